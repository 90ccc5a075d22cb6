import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { execRunner, type CommandRunner, type OutputStreams } from '../../src/command-runner.js'
import { EXAMPLE_BUILD_SCRIPT, runExampleBuild } from './example-build.js'

/**
 * `npm run build` without npm's own start-up (about 0.45 s, most of an in-process run of the
 * example app, over 200 runs a suite): the package.json script runs in `sh -c` as npm runs it,
 * with node_modules/.bin on PATH and npm's lifecycle variables; the example app's own build
 * through runExampleBuild. Anything else, a script with pre or post hooks, or another package
 * manager, goes to the real runner. The real npm still runs in the built action's runs and in
 * action.test.ts's build tests.
 */
export function inlineNpmScripts(streams: OutputStreams): CommandRunner {
  const real = execRunner(streams)
  return {
    capture: (command, args, options) => real.capture(command, args, options),
    run(command, args, options) {
      const script = command === 'npm' && args.length === 2 && args[0] === 'run' ? scriptOf(options.cwd, args[1]) : undefined
      if (script === undefined) return real.run(command, args, options)
      const env = { ...options.env, PATH: [join(options.cwd, 'node_modules', '.bin'), options.env?.PATH ?? ''].join(delimiter), npm_lifecycle_event: args[1], npm_lifecycle_script: script }
      if (script === EXAMPLE_BUILD_SCRIPT) return runExampleBuild(options.cwd, env, streams)
      return real.run('sh', ['-c', script], { cwd: options.cwd, env })
    }
  }
}

function scriptOf(dir: string, name: string): string | undefined {
  const path = join(dir, 'package.json')
  if (!existsSync(path)) return undefined
  const scripts: Record<string, string> | undefined = JSON.parse(readFileSync(path, 'utf8')).scripts
  if (!scripts?.[name] || scripts[`pre${name}`] || scripts[`post${name}`]) return undefined
  return scripts[name]
}
