import { load } from 'js-yaml'
import { identityOf, localFolder, type LockedDependencies, type LockfileParser } from './types.js'

interface PnpmPackage {
  name?: string
  version?: string
  resolution?: { integrity?: string; tarball?: string; commit?: string; repo?: string; directory?: string }
}

interface PnpmImporter {
  dependencies?: Record<string, string | { version: string }>
  devDependencies?: Record<string, string | { version: string }>
  optionalDependencies?: Record<string, string | { version: string }>
}

interface PnpmLockfile extends PnpmImporter {
  lockfileVersion?: string | number
  importers?: Record<string, PnpmImporter>
  packages?: Record<string, PnpmPackage>
}

/** `6.0.0(@capacitor/core@6.1.2)(patch_hash=…)` (v6+) or `6.0.0_@capacitor+core@6.1.2` (v5): the version without peers or patch. */
function bareVersion(version: string): string {
  // pnpm 7 writes an alias as `/real-name/1.0.0_peer@2`; later versions as `real-name@1.0.0(peer@2)`.
  const v5Alias = /^\/((?:@[^/]+\/)?[^/@]+)\/(\d[^/]*)$/.exec(version)
  if (v5Alias) return `${v5Alias[1]}@${v5Alias[2].replace(/_.*$/, '')}`
  const withoutPeers = version.replace(/\(.*$/, '')
  return /^\d+\.\d+\.\d+/.test(withoutPeers) ? withoutPeers.replace(/_.*$/, '') : withoutPeers
}

/** The packages entry of a dependency, under the key each lockfile version gives it. */
function packageEntry(lock: PnpmLockfile, name: string, version: string): PnpmPackage | undefined {
  const packages = lock.packages ?? {}
  for (const v of new Set([version, bareVersion(version)])) {
    for (const key of [`${name}@${v}`, `/${name}@${v}`, `/${name}/${v}`, v, `/${v}`]) if (packages[key]) return packages[key]
  }
  return undefined
}

/** pnpm-lock.yaml, lockfile versions 5.x (pnpm 7) to 9.0 (pnpm 9 and 10), one importer of a workspace. */
export const parsePnpm: LockfileParser = (text, importer) => {
  const lock = load(text) as PnpmLockfile
  if (!lock || typeof lock !== 'object' || !lock.lockfileVersion) throw new Error('no lockfileVersion')
  const major = Number(String(lock.lockfileVersion).split('.')[0])
  if (!(major >= 5 && major <= 9)) throw new Error(`lockfileVersion ${lock.lockfileVersion} is not one pnpm 7 to 10 writes`)
  const section: PnpmImporter | undefined = lock.importers ? lock.importers[importer] : importer === '.' ? lock : undefined
  if (!section) throw new Error(`no importer ${importer}`)
  const result: LockedDependencies = new Map()
  for (const group of [section.dependencies, section.devDependencies, section.optionalDependencies]) {
    for (const [name, value] of Object.entries(group ?? {})) {
      const version = typeof value === 'string' ? value : value.version
      const local = localFolder(version)
      if (local) {
        result.set(name, { version: '', identity: `local:${local}`, local })
        continue
      }
      const entry = packageEntry(lock, name, version)
      const resolution = entry?.resolution ?? {}
      if (resolution.directory) {
        result.set(name, { version: entry?.version ?? '', identity: `local:${resolution.directory}`, local: resolution.directory })
        continue
      }
      const bare = bareVersion(version).replace(/^\//, '')
      // A registry version, an alias (`real@1.0.0`) or a URL whose entry names the version.
      const isRegistry = /^\d/.test(bare) || /^@?[^@/]+(\/[^@/]+)?@\d/.test(bare)
      const identity = resolution.commit ? `git:${resolution.commit}` : identityOf(resolution.tarball ?? (isRegistry ? undefined : bare), resolution.integrity)
      result.set(name, { version: isRegistry ? bare : (entry?.version ?? ''), identity })
    }
  }
  return result
}
