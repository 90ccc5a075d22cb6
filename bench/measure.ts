import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'

/** One line of the results table: a figure of the action beside the same figure of its baseline. */
export interface Row {
  stage: string
  measure: string
  unit: string
  action: number | null
  baseline: number | null
  /** action / baseline, as the target reads it (a share of the baseline's time, or of its throughput). */
  ratio: number | null
  target: string
  /** undefined: no target, or nothing to compare. */
  met?: boolean
  note?: string
}

/**
 * Writes the dirty pages of the stages before to disk, so that the timed runs of a
 * disk-heavy stage starts from the same state rather than beside their writeback (seen:
 * the one-file publish 0.14 of its baseline alone, 0.17 right after the publish stage).
 */
export function settleDisk(): void {
  execFileSync('sync')
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint()
  const value = await work()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value }
}

export interface ProcessRun {
  ms: number
  code: number | null
  stdout: string
  stderr: string
  /** Peak resident set of the process in bytes, when /usr/bin/time could tell. */
  maxRssBytes?: number
}

const GNU_TIME = '/usr/bin/time'
const hasGnuTime = existsSync(GNU_TIME)

/** Runs a command to its end, timing it from spawn to exit (and its peak RSS under GNU time). */
export function runProcess(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; measureRss?: boolean } = {}): Promise<ProcessRun> {
  const wrap = options.measureRss && hasGnuTime
  const [file, argv] = wrap ? [GNU_TIME, ['-f', 'peak-rss-kb=%M', command, ...args]] : [command, args]
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      const rss = /peak-rss-kb=(\d+)/.exec(stderr)
      resolve({ ms, code, stdout, stderr, maxRssBytes: rss ? Number(rss[1]) * 1024 : undefined })
    })
  })
}

/** Whether a command is on the PATH (the baselines are not installed by the bench). */
export async function hasCommand(name: string): Promise<boolean> {
  const run = await runProcess('sh', ['-c', `command -v ${name}`]).catch(() => undefined)
  return run?.code === 0
}

export const MB = 1024 * 1024
