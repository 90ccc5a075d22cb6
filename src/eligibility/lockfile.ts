import { declaredManager, LOCKFILES, NODE_MODULES_MARKERS, pickLockfile, type LockfileName, type PackageManager } from '../package-manager.js'
import { parseBun } from './lockfiles/bun.js'
import { parseNpm } from './lockfiles/npm.js'
import { parsePnpm } from './lockfiles/pnpm.js'
import type { DirectDependencies, LockedDependencies, LockfileParser } from './lockfiles/types.js'
import { parseYarn } from './lockfiles/yarn.js'

/** A parser for each of LOCKFILES (the type makes a new lockfile name one here); bun.lockb is binary. */
const PARSERS: Record<LockfileName, LockfileParser | undefined> = {
  'package-lock.json': parseNpm,
  'npm-shrinkwrap.json': parseNpm,
  'pnpm-lock.yaml': parsePnpm,
  'yarn.lock': parseYarn,
  'bun.lock': parseBun,
  'bun.lockb': undefined
}

/** A file of the repository, by its path relative to the app's folder (`../pnpm-lock.yaml` in a workspace). */
export type ReadFile = (path: string) => Promise<string | undefined>

export interface ChosenLockfile {
  /** Relative to the app's folder. */
  path: string
  manager: PackageManager
  /** The app's folder relative to the lockfile's, as lockfiles name workspaces (`.`, `apps/mobile`). */
  importer: string
  /** The lockfile's folder relative to the app's (`''`, `../../`). */
  up: string
  why: string
  text: string
}

function packageManagerField(text: string | undefined): PackageManager | undefined {
  try {
    return declaredManager(JSON.parse(text ?? '{}').packageManager)
  } catch {
    return undefined
  }
}

/**
 * The lockfile the package manager uses for the app: the nearest folder from the app up to
 * the repository's root (`prefix` is the app's folder in the repository) that holds one.
 * `preferred` (the head's choice) wins at a baseline where it exists; `markers` says whether
 * node_modules may tell which manager installed it (the work tree only).
 */
export async function chooseLockfile(read: ReadFile, prefix: string, options: { preferred?: string; markers?: boolean } = {}): Promise<ChosenLockfile | undefined> {
  const folders = prefix.split('/').filter(Boolean)
  const importerAt = (level: number) => (level === 0 ? '.' : folders.slice(folders.length - level).join('/'))
  if (options.preferred) {
    const text = await read(options.preferred)
    const up = /^(\.\.\/)*/.exec(options.preferred)![0]
    const lockfile = LOCKFILES.find((l) => `${up}${l.file}` === options.preferred)
    if (text !== undefined && lockfile) return { path: options.preferred, manager: lockfile.manager, importer: importerAt(up.length / 3), up, why: 'the lockfile the head uses', text }
  }
  for (let level = 0; level <= folders.length; level++) {
    const up = '../'.repeat(level)
    const texts = new Map<string, string>()
    for (const { file } of LOCKFILES) {
      const text = await read(`${up}${file}`)
      if (text !== undefined) texts.set(file, text)
    }
    if (texts.size === 0) continue
    const declared = packageManagerField(await read('package.json')) ?? (level > 0 ? packageManagerField(await read(`${up}package.json`)) : undefined)
    let installedBy: PackageManager | undefined
    if (options.markers) {
      for (const marker of NODE_MODULES_MARKERS) if (!installedBy && (await read(`${up}${marker.file}`)) !== undefined) installedBy = marker.manager
    }
    const pick = pickLockfile([...texts.keys()], declared, installedBy)!
    return { path: `${up}${pick.file}`, manager: pick.manager, importer: importerAt(level), up, why: pick.why, text: texts.get(pick.file)! }
  }
  return undefined
}

/** The app's direct dependencies as the lockfile pins them; throws when the file cannot be read. */
export function lockedDependencies(lockfile: ChosenLockfile, direct: DirectDependencies): LockedDependencies {
  const file = lockfile.path.split('/').pop()!
  const parse = PARSERS[file as LockfileName]
  if (!parse) throw new Error(`${file} is binary`)
  return parse(lockfile.text, lockfile.importer, direct)
}
