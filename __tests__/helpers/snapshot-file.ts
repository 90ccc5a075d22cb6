import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { repoRoot } from './action.js'

/**
 * A snapshot kept as a plain file (markdown that GitHub renders when browsing the tests),
 * so a change of wording shows in the diff as it reads. UPDATE_SNAPSHOTS=1 rewrites them;
 * a missing one is written, except on CI, where it fails.
 */
export function expectSnapshotFile(path: string, actual: string): void {
  const file = join(repoRoot, '__tests__', '__snapshots__', path)
  const shown = relative(repoRoot, file)
  if (process.env.UPDATE_SNAPSHOTS === '1' || (!existsSync(file) && !process.env.CI)) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, actual)
    return
  }
  if (!existsSync(file)) throw new Error(`${shown} is missing: run the test once without CI set, or with UPDATE_SNAPSHOTS=1, and commit it.`)
  const expected = readFileSync(file, 'utf8')
  if (expected !== actual) {
    const a = expected.split('\n')
    const b = actual.split('\n')
    const line = a.findIndex((text, i) => text !== b[i])
    const at = line === -1 ? a.length : line
    throw new Error(`${shown} differs at line ${at + 1}:\n- ${a[at] ?? '(end)'}\n+ ${b[at] ?? '(end)'}\nIf the change is meant, run with UPDATE_SNAPSHOTS=1 and commit the file.`)
  }
}
