/*
 * @capgo/capacitor-updater's protocol, as its native code (8.51.23) sends and reads it:
 * __tests__/fixtures/plugins/README.md. Update check, channel self-assignment, stats.
 */
import { PLATFORMS, type DeviceBuild, type Platform } from '../registry/releases.js'
import { isRegistryName } from './channels.js'
import { isObject, json, readJsonBody } from './http.js'
import { refuse, selectRelease, selfAssignable, UNREACHABLE, UNREADABLE, type EndpointContext, type Refusal } from './selection.js'

/** The fields of the plugin's info object (createInfoObject) that the endpoint uses. */
interface DeviceInfo {
  appId: string
  device: DeviceBuild
  /** The channel the device chose (setChannel) or was configured with; empty for none. */
  defaultChannel: string
  versionName: string
  /** setChannel's channel, checked there. */
  channel: unknown
}

/** Every failure as the plugin reports it: `error` and `message`, `kind: failed` for update checks. */
const failure = (refusal: Refusal, update = false) =>
  json(refusal.status, { error: refusal.code, message: refusal.message, ...(update ? { kind: 'failed' } : {}) })

const text = (value: unknown) => (typeof value === 'string' ? value : undefined)

function deviceInfo(body: unknown): DeviceInfo | Refusal {
  if (!isObject(body)) return refuse(400, 'invalid_body', 'The request body is not the JSON object the plugin sends.')
  const appId = body.app_id
  if (!isRegistryName(appId)) return refuse(400, 'invalid_app_id', 'The request has no valid app_id: set appId in capacitor.config.')
  const platform = body.platform
  if (!PLATFORMS.includes(platform as Platform)) return refuse(400, 'invalid_platform', 'The request\'s platform is neither android nor ios.')
  const deviceId = text(body.device_id)
  if (!deviceId || deviceId.length > 200) return refuse(400, 'invalid_device_id', 'The request has no device_id.')
  const defaultChannel = text(body.defaultChannel) ?? ''
  if (defaultChannel && !isRegistryName(defaultChannel)) return refuse(400, 'invalid_channel', `"${String(defaultChannel).slice(0, 64)}" is not a channel name.`)
  const versionCode = text(body.version_code)
  return {
    appId,
    defaultChannel,
    versionName: text(body.version_name) ?? '',
    channel: body.channel,
    device: { platform: platform as Platform, versionName: text(body.version_build) ?? '', ...(versionCode ? { versionCode } : {}), deviceId }
  }
}

async function readInfo(request: Request, context: EndpointContext): Promise<DeviceInfo | Refusal> {
  const body = await readJsonBody(request, context.maxBodyBytes)
  if (!body.ok) return refuse(body.status, body.code, body.message)
  return deviceInfo(body.value)
}

/** POST updateUrl: the release for this device, `kind: up_to_date` when it runs it or none fits. */
export async function capgoUpdate(request: Request, context: EndpointContext): Promise<Response> {
  const info = await readInfo(request, context)
  if ('kind' in info) return failure(info, true)
  const selection = await selectRelease(context, info.appId, info.defaultChannel, info.device)
  if (selection.kind === 'refused') return failure(selection, true)
  if (selection.kind === 'none' || selection.release.version === info.versionName) {
    const message = selection.kind === 'none' ? selection.message : 'No new version available'
    return json(200, { kind: 'up_to_date', error: 'no_new_version_available', message, version: info.versionName })
  }
  // No `message` here: the plugin rejects an answer that has one without error or kind.
  const { version, url, checksum } = selection.release
  const files = await context.files.of(info.appId, selection.release)
  // With `manifest`, the plugin fetches only the files whose hash it does not hold (DownloadService.java, 8.51.23).
  const manifest = files?.map((file) => ({ file_name: file.brotli ? `${file.path}.br` : file.path, file_hash: file.sha256, download_url: file.url }))
  return json(200, { version, url, checksum, ...(manifest ? { manifest } : {}) })
}

/** channelUrl: POST sets, PUT gets, GET lists. Nothing is stored: the plugin keeps its channel and sends it as defaultChannel. */
export async function capgoChannel(request: Request, context: EndpointContext): Promise<Response> {
  if (request.method === 'GET') return capgoListChannels(request, context)
  const info = await readInfo(request, context)
  if ('kind' in info) return failure(info)
  if (request.method === 'PUT') {
    const channel = info.defaultChannel || context.defaultChannel
    return json(200, { channel, status: info.defaultChannel ? 'self' : 'default', allowSet: true })
  }
  return setChannel(info, context)
}

async function setChannel(info: DeviceInfo, context: EndpointContext): Promise<Response> {
  const channel = info.channel
  if (!isRegistryName(channel)) return failure(refuse(400, 'invalid_channel', 'The request names no valid channel.'))
  if (!context.selfAssign.allows(channel)) {
    return failure(refuse(403, 'channel_self_set_not_allowed', `Devices may not choose channel "${channel}" themselves (allowed: ${context.selfAssign.rules.join(', ')}).`))
  }
  if (channel === context.defaultChannel) {
    // The default channel needs no override: the plugin forgets its own and uses its configuration.
    return json(200, { status: 'ok', unset: true, message: `Channel "${channel}" is the default channel.` })
  }
  const lookup = await context.channels.lookup(info.appId, channel)
  if (lookup.kind === 'unreachable') return failure(UNREACHABLE)
  if (lookup.kind === 'invalid') return failure(UNREADABLE(channel))
  if (lookup.kind !== 'found') return failure(refuse(400, 'channel_not_found', `No channel "${channel}" for app ${info.appId} in the registry.`))
  context.log(`${info.appId}: device ${info.device.deviceId} chose channel ${channel}`)
  return json(200, { status: 'ok', message: `The device now takes its updates from channel "${channel}".` })
}

async function capgoListChannels(request: Request, context: EndpointContext): Promise<Response> {
  const appId = new URL(request.url).searchParams.get('app_id')
  if (!isRegistryName(appId)) return failure(refuse(400, 'invalid_app_id', 'The request has no valid app_id: set appId in capacitor.config.'))
  const channels = await selfAssignable(appId, context)
  if ('kind' in channels) return failure(channels)
  const listed = await Promise.all(channels.map(async (name) => ({ id: await channelNumber(name), name, public: name === context.defaultChannel, allow_self_set: true })))
  return json(200, listed)
}

/** A stable positive number per channel name: the plugin requires a numeric id. */
async function channelNumber(name: string): Promise<number> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(name)))
  return ((digest[0] << 16) | (digest[1] << 8) | digest[2]) + 1
}

/** The plugin queues up to 200 events (MAX_PENDING_STATS, 8.51.23) and sends them in one batch: a full one must fit. */
const MAX_EVENTS_LOGGED = 200
const STATS_MAX_BYTES = 512 * 1024

/** POST statsUrl: one event, or a batch (an array) as 8.x sends them; each is logged in one line. */
export async function capgoStats(request: Request, context: EndpointContext): Promise<Response> {
  const body = await readJsonBody(request, Math.max(context.maxBodyBytes, STATS_MAX_BYTES))
  if (!body.ok) return failure(refuse(body.status, body.code, body.message))
  const events = Array.isArray(body.value) ? body.value : [body.value]
  if (!events.every(isObject)) return failure(refuse(400, 'invalid_body', 'A stats event is not a JSON object.'))
  for (const event of events.slice(0, MAX_EVENTS_LOGGED)) {
    const field = (name: string) => (typeof event[name] === 'string' || typeof event[name] === 'number' ? String(event[name]).slice(0, 128) : '-')
    context.log(`stats ${field('app_id')} ${field('platform')} device=${field('device_id')} action=${field('action')} version=${field('version_name')} old=${field('old_version_name')} channel=${field('defaultChannel')}`)
  }
  return json(200, { status: 'ok' })
}
