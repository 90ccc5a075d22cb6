import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MB, median, runProcess, type Row } from './measure.js'

const DIST = fileURLToPath(new URL('../../dist', import.meta.url))
/** What the action may add to bare Node's start-up, and weigh on disk (issue 20). */
const ADDED_MS_TARGET = 60
const SIZE_TARGET_MB = 2

async function folderBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? await folderBytes(path) : (await stat(path)).size
  }
  return total
}

/**
 * `node dist/index.js` with an input it refuses at once (the whole bundle is loaded, then
 * the action fails fast), against bare `node -e 0`: the action's own start-up cost.
 */
export async function benchStartup(runs: number): Promise<Row[]> {
  const env = { PATH: process.env.PATH, INPUT_BACKEND: 'bench-no-such-backend' }
  const action: number[] = []
  const bare: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = await runProcess(process.execPath, [join(DIST, 'index.js')], { env })
    if (started.code !== 1 || !started.stdout.includes('bench-no-such-backend')) {
      throw new Error(`node dist/index.js did not fail fast on a bad input as expected: ${started.stdout}${started.stderr}`)
    }
    action.push(started.ms)
    bare.push((await runProcess(process.execPath, ['-e', '0'], { env })).ms)
  }
  const ms = median(action)
  const bareMs = median(bare)
  const mb = (await folderBytes(DIST)) / MB
  return [
    {
      stage: 'startup', measure: 'node dist/index.js, no work', unit: 'ms', action: ms, baseline: bareMs, ratio: ms / bareMs,
      target: `≤ bare node + ${ADDED_MS_TARGET} ms`, met: ms - bareMs <= ADDED_MS_TARGET, note: `baseline: bare node -e 0; the action adds ${(ms - bareMs).toFixed(0)} ms`
    },
    { stage: 'startup', measure: 'size of dist/', unit: 'MB', action: mb, baseline: null, ratio: null, target: `≤ ${SIZE_TARGET_MB} MB`, met: mb <= SIZE_TARGET_MB, note: 'every file of dist/, as on disk' }
  ]
}
