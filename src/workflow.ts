import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync } from 'node:fs'
import { access, appendFile, constants } from 'node:fs/promises'
import { EOL } from 'node:os'

/** Where an annotation points in the diff view. */
export interface AnnotationProperties {
  title?: string
  file?: string
}

/**
 * What the action tells the workflow runner: log lines, annotations, groups, masks,
 * outputs, the job summary and the step's failure. main.ts wires the runner's commands
 * (runnerWorkflow); tests hand in a recorder, so many runs can share one process.
 */
export interface Workflow {
  info(message: string): void
  notice(message: string): void
  warning(message: string, properties?: AnnotationProperties): void
  error(message: string, properties?: AnnotationProperties): void
  group<T>(name: string, work: () => Promise<T>): Promise<T>
  setSecret(value: string): void
  setOutput(name: string, value: string): void
  appendSummary(markdown: string): Promise<void>
  setFailed(message: string): void
}

/** The log lines a stage writes: a part of Workflow that backends and helpers may use. */
export type Log = Pick<Workflow, 'info' | 'warning'>

// The runner's workflow commands, written as @actions/core 3 writes them (lib/command.js,
// lib/file-command.js, lib/summary.js); not @actions/core itself, whose OIDC client loads
// undici at start-up (docs/architecture.md, Build).
const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')

/** `::name key=value,key=value::message`, one line on stdout. */
export function workflowCommand(name: string, message: string, properties: AnnotationProperties = {}): string {
  const fields = Object.entries({ title: properties.title, file: properties.file })
    .filter(([, value]) => value)
    .map(([key, value]) => `${key}=${escapeProperty(value as string)}`)
  return `::${name}${fields.length ? ` ${fields.join(',')}` : ''}::${escapeData(message)}`
}

/** The runner's workflow commands on stdout, and its GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, named by `env`. */
export function runnerWorkflow(env: NodeJS.ProcessEnv, stdout: NodeJS.WritableStream = process.stdout): Workflow {
  const issue = (name: string, message: string, properties?: AnnotationProperties) => {
    stdout.write(workflowCommand(name, message, properties) + EOL)
  }
  const workflow: Workflow = {
    info: (message) => {
      stdout.write(message + EOL)
    },
    notice: (message) => issue('notice', message),
    warning: (message, properties) => issue('warning', message, properties),
    error: (message, properties) => issue('error', message, properties),
    group: async (name, work) => {
      issue('group', name)
      try {
        return await work()
      } finally {
        issue('endgroup', '')
      }
    },
    setSecret: (value) => issue('add-mask', value),
    setOutput: (name, value) => {
      const file = env.GITHUB_OUTPUT
      if (!file) {
        // What a runner without file commands reads (and @actions/core writes there).
        stdout.write(EOL + `::set-output name=${escapeProperty(name)}::${escapeData(value)}` + EOL)
        return
      }
      if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`)
      const delimiter = `ghadelimiter_${randomUUID()}`
      if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`Unexpected input: the output ${name} contains the delimiter "${delimiter}"`)
      appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' })
    },
    appendSummary: async (markdown) => {
      const file = env.GITHUB_STEP_SUMMARY
      if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.')
      try {
        await access(file, constants.R_OK | constants.W_OK)
      } catch {
        throw new Error(`Unable to access summary file: '${file}'. Check if the file has correct read/write permissions.`)
      }
      await appendFile(file, markdown, { encoding: 'utf8' })
    },
    setFailed: (message) => {
      process.exitCode = 1
      workflow.error(message)
    }
  }
  return workflow
}
