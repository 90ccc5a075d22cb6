/*
 * @capawesome/capacitor-live-update's protocol, as its native code (8.4.3) sends and reads it:
 * __tests__/fixtures/plugins/README.md. Latest bundle per channel, channel discovery.
 */
import type { DeviceBuild } from '../registry/releases.js'
import { isRegistryName } from './channels.js'
import { json } from './http.js'
import { refuse, selectRelease, selfAssignable, type EndpointContext, type Refusal } from './selection.js'

/** Any non-2xx answer is "no update" to the plugin, which logs the body: the code and sentence say why. */
const failure = (refusal: Refusal) => json(refusal.status, { error: refusal.code, message: refusal.message })

/** The plugin's platform query parameter: 0 on Android, 1 on iOS. */
const PLATFORM_CODES: Record<string, DeviceBuild['platform']> = { '0': 'android', '1': 'ios' }

/** GET /v1/apps/{appId}/bundles/latest?channelName=…&appVersionName=…&platform=…&deviceId=… */
export async function capawesomeLatestBundle(request: Request, appId: string, context: EndpointContext): Promise<Response> {
  const query = new URL(request.url).searchParams
  const platform = PLATFORM_CODES[query.get('platform') ?? '']
  if (!platform) return failure(refuse(400, 'invalid_platform', 'The platform query parameter is neither 0 (Android) nor 1 (iOS).'))
  const deviceId = query.get('deviceId') || request.headers.get('x-capawesome-device-id') || ''
  if (!deviceId || deviceId.length > 200) return failure(refuse(400, 'invalid_device_id', 'The request has no deviceId.'))
  const channelName = query.get('channelName') ?? ''
  if (channelName && !isRegistryName(channelName)) return failure(refuse(400, 'invalid_channel', `"${String(channelName).slice(0, 64)}" is not a channel name.`))
  const versionCode = query.get('appVersionCode')
  const device: DeviceBuild = { platform, versionName: query.get('appVersionName') ?? '', ...(versionCode ? { versionCode } : {}), deviceId }
  const selection = await selectRelease(context, appId, channelName, device)
  if (selection.kind === 'refused') return failure(selection)
  if (selection.kind === 'none') return failure(refuse(404, 'no_bundle_for_native_build', selection.message))
  const { version, url, checksum, signature } = selection.release
  // Checksum: sha256, lowercase hex, as the plugin computes it. Signature: base64, verified when the app sets publicKey.
  return json(200, { artifactType: 'zip', bundleId: version, channelName: selection.channel, url, checksum, signature: signature ?? null })
}

/** GET /v1/apps/{appId}/channels?limit=…&offset=…&query=…: the channels a device may choose. */
export async function capawesomeChannels(request: Request, appId: string, context: EndpointContext): Promise<Response> {
  const query = new URL(request.url).searchParams
  const channels = await selfAssignable(appId, context)
  if ('kind' in channels) return failure(channels)
  const search = query.get('query') ?? ''
  const offset = Math.max(0, Number(query.get('offset') ?? '0') || 0)
  const limit = Math.max(0, Number(query.get('limit') ?? '0') || 0) || channels.length
  const page = channels.filter((name) => name.includes(search)).slice(offset, offset + limit)
  return json(200, page.map((name) => ({ id: name, name })))
}
