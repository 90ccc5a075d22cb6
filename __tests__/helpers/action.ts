import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { actionServices, run, type Services } from '../../src/main.js'
import { execRunner } from '../../src/command-runner.js'
import { workflowCommand, type AnnotationProperties, type Workflow } from '../../src/workflow.js'
import { freshBuildOf } from './fresh-build.js'
import { inlineNpmScripts } from './package-scripts.js'

import { repoRoot } from './repo-root.js'

export { repoRoot }

export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

export interface ActionOptions {
  cwd: string
  inputs?: Record<string, string>
  eventName: string
  payload?: unknown
  ref?: string
  sha?: string
  runNumber?: number
  /** Variables besides the INPUT_* and GITHUB_* ones the runner sets. */
  env?: Record<string, string>
  /** Ports to replace (in-process runs only), e.g. `{ s3: { retry: { baseMs: 5 } } }`. */
  services?: Partial<Services>
  /** In-process runs start `npm run build` through npm itself, not inlineNpmScripts. */
  realNpm?: boolean
}

/** GITHUB_OUTPUT's file-command format: `name<<DELIMITER\nvalue\nDELIMITER`. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm)) outputs[match[1]] = match[3]
  return outputs
}

/** The step's environment as the runner sets it: INPUT_* and GITHUB_* variables, a payload file, output files. */
function stepEnvironment(options: ActionOptions, temp: string): Record<string, string> {
  const eventPath = join(temp, 'event.json')
  writeFileSync(eventPath, JSON.stringify(options.payload ?? {}))
  const outputPath = join(temp, 'output')
  const summaryPath = join(temp, 'summary')
  writeFileSync(outputPath, '')
  writeFileSync(summaryPath, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? temp,
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: options.ref ?? '',
    GITHUB_SHA: options.sha ?? 'a'.repeat(40),
    GITHUB_RUN_NUMBER: String(options.runNumber ?? 7),
    GITHUB_RUN_ID: '1234',
    GITHUB_REPOSITORY: 'Codertocat/Hello-World',
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: temp,
    // A test that forgets its fake GitHub must not reach api.github.com: nothing listens here.
    GITHUB_API_URL: 'http://127.0.0.1:9',
    ...options.env
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

/** A workflow command as the runner reads it on stdout. */
const command = (name: string, message: string, properties?: AnnotationProperties) => `${workflowCommand(name, message, properties)}\n`

/** The Workflow port as a recorder: the log reads as the runner's stdout would, outputs and summary are kept. */
class RecordingWorkflow implements Workflow {
  stdout = ''
  stderr = ''
  summary = ''
  readonly outputs: Record<string, string> = {}
  failed = false
  readonly out = new Writable({ write: (chunk, _encoding, done) => { this.stdout += String(chunk); done() } })
  readonly err = new Writable({ write: (chunk, _encoding, done) => { this.stderr += String(chunk); done() } })

  info(message: string): void {
    this.stdout += `${message}\n`
  }
  notice(message: string): void {
    this.stdout += command('notice', message)
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.stdout += command('warning', message, properties)
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.stdout += command('error', message, properties)
  }
  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.stdout += command('group', name)
    try {
      return await work()
    } finally {
      this.stdout += command('endgroup', '')
    }
  }
  setSecret(value: string): void {
    this.stdout += command('add-mask', value)
  }
  setOutput(name: string, value: string): void {
    this.outputs[name] = value
  }
  async appendSummary(markdown: string): Promise<void> {
    this.summary += markdown
  }
  setFailed(message: string): void {
    this.failed = true
    this.error(message)
  }
}

/**
 * Runs the action's src in this process through run(services), as the runner would run
 * it: its environment, log, outputs, summary and exit status all go through test ports.
 */
export async function runAction(options: ActionOptions): Promise<ActionRun> {
  const temp = mkdtempSync(join(tmpdir(), 'action-run-'))
  const workflow = new RecordingWorkflow()
  const streams = { out: workflow.out, err: workflow.err }
  try {
    const services: Services = {
      ...actionServices(stepEnvironment(options, temp), options.cwd),
      workflow,
      runner: options.realNpm ? execRunner(streams) : inlineNpmScripts(streams),
      ...options.services
    }
    try {
      await run(services)
    } catch (error) {
      // What node prints for an unhandled rejection of the entry point.
      workflow.failed = true
      workflow.stderr += `${(error as Error).stack ?? String(error)}\n`
    }
    return { exitCode: workflow.failed ? 1 : 0, stdout: workflow.stdout, stderr: workflow.stderr, outputs: workflow.outputs, summary: workflow.summary }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** The action built from the current src exactly as `npm run bundle` builds dist/ (see freshBuildOf). */
export const freshBuild = async (): Promise<string> => join(await freshBuildOf('bundle.mjs'), 'index.js')

/**
 * Runs the bundled action (a fresh build of src, see freshBuild) as a child process, as the
 * runner does; `launcher` (a command and its flags, e.g. setpriv) starts node under other conditions.
 */
export async function runBuiltAction(options: ActionOptions, launcher: string[] = []): Promise<ActionRun> {
  const entry = await freshBuild()
  const temp = mkdtempSync(join(tmpdir(), 'action-run-'))
  try {
    const env = stepEnvironment(options, temp)
    const [command, ...args] = [...launcher, process.execPath, entry]
    const child = spawn(command, args, { cwd: options.cwd, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exitCode = await new Promise<number>((done, fail) => {
      child.on('error', fail)
      child.on('close', (code) => done(code ?? 1))
    })
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(env.GITHUB_OUTPUT, 'utf8')),
      summary: readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** A fresh copy of the example app in a temporary workspace; returns the workspace. */
export function makeWorkspace(): string {
  const workspace = mkdtempSync(join(tmpdir(), 'workspace-'))
  cpSync(join(repoRoot, 'examples', 'capacitor-app'), join(workspace, 'app'), {
    recursive: true,
    filter: (source) => !/[\\/](dist|node_modules)$/.test(source)
  })
  return workspace
}
