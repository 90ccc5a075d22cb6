import type { NativeSource } from '../registry/types.js'
import { pluginName } from './plugins.js'

export interface Comparison {
  reasons: { message: string; file?: string }[]
  notes: string[]
}

/** Why the baseline cannot tell a plugin's version: a lockfile it cannot read, or package.json ranges without a lockfile. */
export interface UnknownPlugins {
  lockfile?: string
  specs?: Record<string, string>
}

function unknownVersionReason(name: string, version: string | undefined, unknown: UnknownPlugins): string | undefined {
  const plugin = `${name} ${version ?? ''}`.trim()
  if (unknown.lockfile) return `${plugin}: ${unknown.lockfile} at the baseline could not be read, so this native plugin may be new or changed`
  const spec = unknown.specs?.[name]
  if (spec) return `${plugin}: the baseline's package.json asks for ${spec} and no lockfile pins it, so this native plugin may have changed (commit your lockfile)`
  return undefined
}

/** Registry identities of two formats (an npm integrity, a yarn berry checksum) hash different things. */
const REGISTRY_KINDS = ['integrity', 'checksum']

function identityChanged(old?: string, now?: string): boolean {
  if (!old || !now || old === now) return false
  const [oldKind, nowKind] = [old.split(':')[0], now.split(':')[0]]
  return !(REGISTRY_KINDS.includes(oldKind) && REGISTRY_KINDS.includes(nowKind) && oldKind !== nowKind)
}

/** `files:<hex>` now; a bare hex is a plugin hash an earlier version recorded over other files. */
const hashScheme = (hash: string): string => (hash.includes(':') ? hash.slice(0, hash.indexOf(':')) : 'legacy')

function describeIdentity(identity: string): string {
  const [kind, ...rest] = identity.split(':')
  const value = rest.join(':')
  if (kind === 'git') return /^[0-9a-f]{40}$/.test(value) ? `git commit ${value.slice(0, 10)}` : value
  if (kind === 'local') return `the folder ${value}`
  if (kind === 'tarball') return value
  return `${kind} ${value.slice(0, 20)}…`
}

/**
 * Source by source, not only by the hash: anything native added or changed needs a store
 * release; a removed plugin does not (the installed app keeps it, the bundle cannot need it).
 */
export function compareSources(current: NativeSource[], baseline: NativeSource[], unknown: UnknownPlugins = {}, configKeys = new Map<string, string[]>()): Comparison {
  const before = new Map(baseline.map((s) => [s.label, s]))
  const now = new Map(current.map((s) => [s.label, s]))
  const reasons: Comparison['reasons'] = []
  const notes: string[] = []
  for (const source of current) {
    const old = before.get(source.label)
    if (source.kind === 'plugin') {
      const name = pluginName(source)
      // Without the baseline's plugin versions, safe means "may have changed", not "added".
      const unsure = old ? undefined : unknownVersionReason(name, source.version, unknown)
      if (unsure) reasons.push({ message: unsure, file: 'package.json' })
      else if (!old) reasons.push({ message: `plugin added: ${name} ${source.version ?? ''}`.trim(), file: 'package.json' })
      else if (old.version && source.version && old.version !== source.version) reasons.push({ message: `${name} ${old.version} → ${source.version} (native plugin)`, file: 'package.json' })
      // Where both sides hashed the native sources (installed, or the channel's manifest), the hashes decide.
      else if (old.hash && source.hash && hashScheme(old.hash) === hashScheme(source.hash)) {
        if (old.hash !== source.hash) reasons.push({ message: `${name} ${source.version ?? ''}: native sources changed (patched or linked plugin)`.replace(' :', ':') })
      } else if (identityChanged(old.identity, source.identity)) {
        // A baseline read from a lockfile pins the plugin by its identity only.
        const what = `${name} ${source.version ?? ''}`.trim()
        reasons.push({ message: `${what}: now from ${describeIdentity(source.identity!)} (was ${describeIdentity(old.identity!)}), so its native code may have changed`, file: 'package.json' })
      }
      continue
    }
    const keys = configKeys.get(source.label)
    const what = source.kind === 'patch' ? `: a patch of the native package ${source.patches ?? ''}`.trimEnd() : keys?.length ? `: ${keys.join(', ')}` : ''
    if (!old) reasons.push({ message: `${source.label} added${what}`, file: source.label })
    else if (old.hash !== source.hash) reasons.push({ message: `${source.label} changed${what}`, file: source.label })
  }
  for (const old of baseline) {
    if (now.has(old.label)) continue
    if (old.kind === 'plugin') notes.push(`plugin removed: ${pluginName(old)} ${old.version ?? ''} (the installed app keeps it, and nothing in this bundle can need it)`.replace('  ', ' '))
    else reasons.push({ message: `${old.label} removed` })
  }
  return { reasons, notes }
}
