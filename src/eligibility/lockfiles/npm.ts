import { identityOf, localFolder, type LockedDependencies, type LockedDependency, type LockfileParser } from './types.js'

interface NpmEntry {
  name?: string
  version?: string
  resolved?: string
  integrity?: string
  link?: boolean
  dependencies?: Record<string, NpmEntry | string>
  devDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

interface NpmLockfile {
  lockfileVersion?: number
  packages?: Record<string, NpmEntry>
  dependencies?: Record<string, NpmEntry>
}

function fromPackagesEntry(entry: NpmEntry): LockedDependency {
  if (entry.link && entry.resolved) return { version: '', identity: `local:${entry.resolved}`, local: entry.resolved }
  const version = entry.name && entry.version ? `${entry.name}@${entry.version}` : (entry.version ?? '')
  return { version, identity: identityOf(entry.resolved, entry.integrity) }
}

/** lockfileVersion 1 (npm 5/6) keeps git URLs and aliases in `version`. */
function fromV1Entry(entry: NpmEntry): LockedDependency {
  const version = entry.version ?? ''
  const local = localFolder(version)
  if (local) return { version: '', identity: `local:${local}`, local }
  if (version.startsWith('npm:')) return { version: version.slice(4), identity: identityOf(entry.resolved, entry.integrity) }
  if (/^\d/.test(version)) return { version, identity: identityOf(entry.resolved, entry.integrity) }
  return { version: '', identity: identityOf(entry.resolved ?? version, entry.integrity) }
}

/** package-lock.json and npm-shrinkwrap.json, lockfile versions 1 to 3, one workspace of a monorepo. */
export const parseNpm: LockfileParser = (text, importer, direct) => {
  const lock = JSON.parse(text) as NpmLockfile
  const result: LockedDependencies = new Map()
  if (lock.packages) {
    const root = importer === '.' ? '' : importer
    const own = lock.packages[root]
    const names = own ? [own.dependencies, own.devDependencies, own.optionalDependencies].flatMap((group) => Object.keys(group ?? {})) : [...direct.keys()]
    for (const name of names) {
      const entry = (root && lock.packages[`${root}/node_modules/${name}`]) || lock.packages[`node_modules/${name}`]
      if (entry) result.set(name, fromPackagesEntry(entry))
    }
    return result
  }
  if (lock.dependencies && importer === '.') {
    for (const name of direct.keys()) {
      const entry = lock.dependencies[name]
      if (entry) result.set(name, fromV1Entry(entry))
    }
    return result
  }
  throw new Error('neither packages nor dependencies for this folder')
}
