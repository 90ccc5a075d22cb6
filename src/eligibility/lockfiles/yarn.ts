import { parseSyml } from '@yarnpkg/parsers'
import { identityOf, localFolder, type LockedDependencies, type LockedDependency, type LockfileParser } from './types.js'

interface YarnEntry {
  version?: string
  resolved?: string
  integrity?: string
  resolution?: string
  checksum?: string
  dependencies?: Record<string, string>
}

/** Entries by each descriptor of their comma-separated keys. */
function byDescriptor(lock: Record<string, unknown>): Map<string, YarnEntry> {
  const entries = new Map<string, YarnEntry>()
  for (const [key, entry] of Object.entries(lock)) {
    if (key === '__metadata' || typeof entry !== 'object' || !entry) continue
    for (const descriptor of key.split(',')) entries.set(descriptor.trim(), entry as YarnEntry)
  }
  return entries
}

/** `name@range` split at the @ that is not a scope's. */
function splitDescriptor(descriptor: string): [string, string] {
  const at = descriptor.indexOf('@', 1)
  return [descriptor.slice(0, at), descriptor.slice(at + 1)]
}

/** A berry entry: registry (`name@npm:1.0.0`), git (`#commit=`), URL, or a local folder. */
function fromBerryEntry(name: string, entry: YarnEntry): LockedDependency {
  const [resolvedName, reference] = splitDescriptor(entry.resolution ?? '')
  const local = localFolder(reference.replace(/::.*$/, ''))
  if (local) return { version: '', identity: `local:${local}`, local }
  const version = resolvedName && resolvedName !== name ? `${resolvedName}@${entry.version}` : (entry.version ?? '')
  if (reference.startsWith('npm:')) return { version, identity: entry.checksum ? `checksum:${entry.checksum}` : undefined }
  return { version, identity: identityOf(reference.replace('#commit=', '#'), undefined) ?? (entry.checksum ? `checksum:${entry.checksum}` : undefined) }
}

function parseBerry(entries: Map<string, YarnEntry>, importer: string): LockedDependencies {
  const workspace = [...entries.values()].find((entry) => entry.resolution?.endsWith(`@workspace:${importer}`))
  if (!workspace) throw new Error(`no workspace ${importer}`)
  const result: LockedDependencies = new Map()
  for (const [name, range] of Object.entries(workspace.dependencies ?? {})) {
    // A patch's own source is its file; the package it patches is the inner descriptor.
    const patched = /^patch:(.+?)#/.exec(range)
    const descriptor = patched ? decodeURIComponent(patched[1]) : `${name}@${range}`
    const entry = entries.get(descriptor) ?? entries.get(`${name}@${range}`)
    if (entry) result.set(name, fromBerryEntry(name, entry))
    else if (localFolder(range)) result.set(name, { version: '', identity: `local:${localFolder(range)}`, local: localFolder(range) })
  }
  return result
}

function parseClassic(entries: Map<string, YarnEntry>, direct: Map<string, string>): LockedDependencies {
  const result: LockedDependencies = new Map()
  for (const [name, range] of direct) {
    const local = localFolder(range)
    if (local) {
      result.set(name, { version: '', identity: `local:${local}`, local })
      continue
    }
    const entry = entries.get(`${name}@${range}`)
    if (!entry) continue
    const alias = /^npm:(@?[^@]+)@/.exec(range)?.[1]
    result.set(name, { version: alias ? `${alias}@${entry.version}` : (entry.version ?? ''), identity: identityOf(entry.resolved, entry.integrity) })
  }
  return result
}

/** yarn.lock of yarn 1 (classic) and yarn 2+ (berry, with `__metadata`). */
export const parseYarn: LockfileParser = (text, importer, direct) => {
  const lock = parseSyml(text) as Record<string, unknown>
  const entries = byDescriptor(lock)
  return lock.__metadata ? parseBerry(entries, importer) : parseClassic(entries, direct)
}
