import * as core from '@actions/core'

/** Where an annotation points in the diff view. */
export interface AnnotationProperties {
  title?: string
  file?: string
}

/**
 * What the action tells the workflow runner: log lines, annotations, groups, masks,
 * outputs, the job summary and the step's failure. main.ts wires @actions/core; tests
 * hand in a recorder, so many runs can share one process.
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

export const actionsWorkflow: Workflow = {
  info: (message) => core.info(message),
  notice: (message) => core.notice(message),
  warning: (message, properties) => core.warning(message, properties),
  error: (message, properties) => core.error(message, properties),
  group: (name, work) => core.group(name, work),
  setSecret: (value) => core.setSecret(value),
  setOutput: (name, value) => core.setOutput(name, value),
  appendSummary: async (markdown) => {
    await core.summary.addRaw(markdown).write()
  },
  setFailed: (message) => core.setFailed(message)
}
