import { existsSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { UserError } from './errors.js'
import type { CommandRunner } from './command-runner.js'
import type { Project } from './project.js'

export type BuildResult =
  /** `source` names where the command came from, never the command: the stage outcome reaches the job summary. */
  | { kind: 'built'; source: string }
  | { kind: 'skipped'; reason: string }

const WEB_DIR_CANDIDATES = ['dist', 'www', 'build']

/** The command line that builds the app: the input's, else the `build` script with the project's package manager. */
export function buildCommandFor(project: Project, buildCommand: string | null | undefined): BuildResult | { kind: 'run'; command: string; shell: boolean } {
  if (buildCommand === null) return { kind: 'skipped', reason: 'build-command is none' }
  if (buildCommand !== undefined) return { kind: 'run', command: buildCommand, shell: true }
  if (!project.packageJson?.scripts?.build) {
    return { kind: 'skipped', reason: 'package.json has no build script (set build-command to build another way)' }
  }
  return { kind: 'run', command: `${project.packageManager} run build`, shell: false }
}

export async function runBuild(project: Project, buildCommand: string | null | undefined, runner: CommandRunner, env: NodeJS.ProcessEnv): Promise<BuildResult> {
  const plan = buildCommandFor(project, buildCommand)
  if (plan.kind !== 'run') return plan
  const windows = process.platform === 'win32'
  const [command, args] = plan.shell
    ? windows
      ? ['cmd', ['/d', '/s', '/c', plan.command]]
      : ['sh', ['-c', plan.command]]
    : [project.packageManager, ['run', 'build']]
  const exitCode = await runner.run(command as string, args as string[], { cwd: project.dir, env: buildEnvironment(env) })
  if (exitCode !== 0) {
    // The command is not quoted: this message reaches the comment and the summary, which the runner does not mask.
    throw new UserError(
      `The ${plan.shell ? 'build-command input' : 'build script'} failed with exit code ${exitCode} (its output is in the Build group of the log): fix the build, or set build-command (none to skip).`
    )
  }
  return { kind: 'built', source: plan.shell ? 'the build-command input' : `${project.packageManager} run build` }
}

/**
 * The user's environment without the action's own inputs: the runner passes every input
 * (the signing key, S3 and Capgo secrets, the GitHub token) as INPUT_*, and a bundler that
 * inlines its environment would ship them inside the public bundle.
 */
function buildEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(env).filter(([name]) => !/^INPUT_/i.test(name)))
  return { ...kept, CI: 'true' }
}

/** The folder that becomes the bundle: the input, else the config's webDir, else dist/www/build. Messages show it relative to the workspace. */
export function resolveWebDir(project: Project, webDirInput: string | undefined, workspace: string): string {
  const chosen = webDirInput ?? project.webDir ?? WEB_DIR_CANDIDATES.find((dir) => existsSync(join(project.dir, dir)))
  if (!chosen) {
    throw new UserError(
      `No web dir was found in ${project.dir} (no webDir in a Capacitor config and none of ${WEB_DIR_CANDIDATES.join(', ')} exists): set the web-dir input.`
    )
  }
  const webDir = isAbsolute(chosen) ? chosen : resolve(project.dir, chosen)
  const shown = relative(workspace, webDir) || '.'
  const source = webDirInput ? 'web-dir input' : project.webDir ? `webDir of ${project.configFile}` : 'web dir'
  if (!existsSync(webDir) || !statSync(webDir).isDirectory()) {
    throw new UserError(`The ${source} "${shown}" does not exist after the build: check the build output folder or set the web-dir input.`)
  }
  if (!existsSync(join(webDir, 'index.html'))) {
    throw new UserError(`The ${source} "${shown}" has no index.html at its root: point web-dir at the folder the build writes index.html to.`)
  }
  return webDir
}
