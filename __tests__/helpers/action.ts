import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
export const distEntry = join(repoRoot, 'dist', 'index.js')

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
  env?: Record<string, string>
}

/** GITHUB_OUTPUT's file-command format: `name<<DELIMITER\nvalue\nDELIMITER`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm)) outputs[match[1]] = match[3]
  return outputs
}

/** Runs the built action (dist/index.js) as the runner would: INPUT_* and GITHUB_* variables, a payload file. */
export async function runAction(options: ActionOptions): Promise<ActionRun> {
  const temp = mkdtempSync(join(tmpdir(), 'action-run-'))
  try {
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
      ...options.env
    }
    for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.toUpperCase()}`] = value
    const child = spawn(process.execPath, [distEntry], { cwd: options.cwd, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exitCode = await new Promise<number>((done) => child.on('close', (code) => done(code ?? 1)))
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(outputPath, 'utf8')),
      summary: readFileSync(summaryPath, 'utf8')
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
