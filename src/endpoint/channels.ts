/*
 * Channel pointers as the endpoint sees them: read through the RegistryReader, checked,
 * cached for a few seconds (docs/architecture.md, Update endpoint). No Node modules.
 */
import { registryKeys } from '../registry/layout.js'
import { currentRelease } from '../registry/pointer.js'
import type { Release } from '../registry/releases.js'
import type { ChannelPointer } from '../registry/types.js'
import type { RegistryReader } from './registry-reader.js'

/** A channel as the endpoint answers it: its pointer, none, a closed preview, or why it cannot be read. */
type ChannelLookup =
  | { kind: 'found'; pointer: ChannelPointer; current: Release }
  | { kind: 'missing' }
  /** A closed pull request's preview: devices that chose it go back to the default channel. */
  | { kind: 'closed' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'unreachable'; reason: string }

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
/** App ids and channel names as the action writes them: no slash, no `..`, so a key stays inside the app. */
export const isRegistryName = (name: unknown): name is string => typeof name === 'string' && NAME.test(name) && !name.includes('..')

const HEX64 = /^[0-9a-f]{64}$/

function isRelease(value: unknown): value is Release {
  const release = value as Release
  return !!release && typeof release === 'object' && typeof release.version === 'string' && typeof release.url === 'string' && typeof release.checksum === 'string' && HEX64.test(release.checksum)
}

/**
 * The pointer's text as a ChannelPointer, or why not. Earlier releases a device could not
 * download (pointers of earlier versions of the action keep only version and checksum) are left out.
 */
function parsePointer(text: string): { pointer: ChannelPointer } | { reason: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { reason: `it is not JSON (${(error as Error).message})` }
  }
  if (!isRelease(value)) return { reason: 'it has no version, url and sha256 checksum' }
  const pointer = value as unknown as ChannelPointer
  const previous = Array.isArray(pointer.previous) ? pointer.previous.filter(isRelease) : []
  const rollout = pointer.rollout && typeof pointer.rollout.percent === 'number' && isRelease(pointer.rollout.replaces) ? pointer.rollout : undefined
  return { pointer: { ...pointer, previous, ...(rollout ? { rollout } : { rollout: undefined }) } }
}

interface ChannelStoreOptions {
  registry: RegistryReader
  /** How long a pointer read is reused; 0 reads the registry on every request. */
  cacheSeconds: number
  now?: () => number
  log: (line: string) => void
}

const MAX_CACHED = 10_000

/** Channel pointers, each read at most once per cacheSeconds; registry failures are not cached. */
export class ChannelStore {
  private readonly cache = new Map<string, { expires: number; lookup: Promise<ChannelLookup> }>()
  private readonly now: () => number

  constructor(private readonly options: ChannelStoreOptions) {
    this.now = options.now ?? Date.now
  }

  lookup(appId: string, channel: string): Promise<ChannelLookup> {
    const key = `${appId}/${channel}`
    const now = this.now()
    const cached = this.cache.get(key)
    if (cached && cached.expires > now) return cached.lookup
    const lookup = this.read(appId, channel)
    if (this.options.cacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string)
      this.cache.set(key, { expires: now + this.options.cacheSeconds * 1000, lookup })
      void lookup.then((result) => {
        if (result.kind === 'unreachable' && this.cache.get(key)?.lookup === lookup) this.cache.delete(key)
      })
    }
    return lookup
  }

  private async read(appId: string, channel: string): Promise<ChannelLookup> {
    const { registry, log } = this.options
    const read = await registry.read(registryKeys.pointer(appId, channel))
    if (read.kind === 'unreachable') {
      log(`registry ${registry.location} unreachable for ${appId}/${channel}: ${read.reason}`)
      return read
    }
    if (read.kind === 'missing') {
      const closed = await registry.read(registryKeys.closedChannel(appId, channel))
      return closed.kind === 'found' ? { kind: 'closed' } : { kind: 'missing' }
    }
    const parsed = parsePointer(read.text)
    if ('reason' in parsed) {
      const reason = `the pointer ${registryKeys.pointer(appId, channel)} does not parse: ${parsed.reason}`
      log(reason)
      return { kind: 'invalid', reason }
    }
    return { kind: 'found', pointer: parsed.pointer, current: currentRelease(parsed.pointer) }
  }

  /** The app's channels, where the registry can list them. */
  async list(appId: string): Promise<string[] | undefined> {
    return this.options.registry.listChannels ? this.options.registry.listChannels(appId) : undefined
  }
}

/** Which channels a device may choose by itself: `*` (any channel with a pointer) or names with `*` wildcards. */
export class SelfAssignPolicy {
  private readonly patterns: RegExp[]

  constructor(readonly rules: string[]) {
    this.patterns = rules.map((rule) => new RegExp(`^${rule.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`))
  }

  allows(channel: string): boolean {
    return this.patterns.some((pattern) => pattern.test(channel))
  }

  /** The rules that name one channel, for listing where the registry cannot list. */
  literals(): string[] {
    return this.rules.filter((rule) => !rule.includes('*') && isRegistryName(rule))
  }
}
