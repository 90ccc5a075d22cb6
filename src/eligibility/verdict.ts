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

/**
 * Source by source, not only by the hash: anything native added or changed needs a store
 * release; a removed plugin does not (the installed app keeps it, the bundle cannot need it).
 */
export function compareSources(current: NativeSource[], baseline: NativeSource[], unknown: UnknownPlugins = {}): Comparison {
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
      // A baseline read from a lockfile has versions only; a hash is compared when both sides have one.
      else if (old.hash && source.hash && old.hash !== source.hash) reasons.push({ message: `${name} ${source.version ?? ''}: native sources changed (patched or linked plugin)`.replace(' :', ':') })
      continue
    }
    const what = source.kind === 'patch' ? ' (patches a native plugin)' : ''
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
