import type { Workflow } from './workflow.js'

export interface StageTiming {
  name: string
  ms: number
  outcome: string
}

/** Runs each stage in a log group, and records what it decided and how long it took. */
export class StageLog {
  readonly timings: StageTiming[] = []

  constructor(private readonly workflow: Pick<Workflow, 'group' | 'info'>) {}

  /** `started`: when the stage's work began, for work started earlier beside another stage (performance.now()). */
  async run<T>(name: string, work: () => Promise<T>, describe: (result: T) => string, started?: number): Promise<T> {
    return this.workflow.group(name, async () => {
      const start = started ?? performance.now()
      try {
        const result = await work()
        this.record(name, start, describe(result))
        return result
      } catch (error) {
        this.record(name, start, 'failed')
        throw error
      }
    })
  }

  private record(name: string, start: number, outcome: string): void {
    const ms = Math.round(performance.now() - start)
    this.timings.push({ name, ms, outcome })
    this.workflow.info(`${name}: ${outcome} (${formatDuration(ms)})`)
  }
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
