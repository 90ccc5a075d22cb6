/* Which release a device gets, whichever plugin asks (docs/architecture.md, Update endpoint). */
import { releaseFor, type DeviceBuild, type Release } from '../registry/releases.js'
import type { BrotliDecoder } from './brotli.js'
import type { BundleFiles } from './bundle-files.js'
import type { ChannelStore, SelfAssignPolicy } from './channels.js'
import type { RegistryReader } from './registry-reader.js'

export interface EndpointContext {
  registry: RegistryReader
  files: BundleFiles
  /** Decodes the registry's .br files for plugins that fetch plain bytes; none where the runtime has no brotli. */
  brotli?: BrotliDecoder
  channels: ChannelStore
  /** The channel of devices that name none. */
  defaultChannel: string
  selfAssign: SelfAssignPolicy
  maxBodyBytes: number
  log: (line: string) => void
}

/** A failure the plugin reports: an HTTP status, a code and one sentence. */
export interface Refusal {
  kind: 'refused'
  status: number
  code: string
  message: string
}

type Selection =
  | { kind: 'release'; channel: string; release: Release }
  /** The channel has no release for the device's native build. */
  | { kind: 'none'; channel: string; message: string }
  | Refusal

export const refuse = (status: number, code: string, message: string): Refusal => ({ kind: 'refused', status, code, message })

export const UNREACHABLE = refuse(503, 'registry_unreachable', 'The update registry cannot be read right now; the endpoint logs why.')
export const UNREADABLE = (channel: string) => refuse(502, 'channel_unreadable', `The pointer of channel "${channel}" does not parse; the endpoint logs why.`)

export async function selectRelease(context: EndpointContext, appId: string, requested: string | undefined, device: DeviceBuild): Promise<Selection> {
  const channel = requested || context.defaultChannel
  const lookup = await context.channels.lookup(appId, channel)
  switch (lookup.kind) {
    case 'found': {
      const release = await releaseFor(lookup.current, lookup.pointer, device)
      if (release) return { kind: 'release', channel, release }
      return { kind: 'none', channel, message: `Channel "${channel}" has no bundle for ${device.platform} native version ${device.versionName || '(none)'}.` }
    }
    case 'closed':
      if (channel === context.defaultChannel) return refuse(404, 'channel_not_found', `Channel "${channel}" of app ${appId} was closed.`)
      context.log(`${appId}: channel ${channel} was closed; device ${device.deviceId} gets ${context.defaultChannel}`)
      return selectRelease(context, appId, context.defaultChannel, device)
    case 'missing':
      return refuse(404, 'channel_not_found', `No channel "${channel}" for app ${appId} in the registry: publish to it first, or check the app id and channel.`)
    case 'invalid':
      return UNREADABLE(channel)
    case 'unreachable':
      return UNREACHABLE
  }
}

/** The channels a device may choose that have a pointer: listed from the registry where it can, else the named rules. */
export async function selfAssignable(appId: string, context: EndpointContext): Promise<string[] | Refusal> {
  const listed = await context.channels.list(appId)
  const candidates = [...new Set([context.defaultChannel, ...(listed ?? []), ...context.selfAssign.literals()])].filter((name) => context.selfAssign.allows(name) || name === context.defaultChannel)
  const found: string[] = []
  for (const name of candidates) {
    const lookup = await context.channels.lookup(appId, name)
    if (lookup.kind === 'unreachable') return UNREACHABLE
    if (lookup.kind === 'found') found.push(name)
  }
  return found
}
