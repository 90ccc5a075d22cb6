import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder of the repository's package.json, above this file (also when compiled into .bench-build/ for the bench). */
export const repoRoot = ((dir: string): string => {
  while (!existsSync(join(dir, 'package.json'))) dir = resolve(dir, '..')
  return dir
})(fileURLToPath(new URL('.', import.meta.url)))
