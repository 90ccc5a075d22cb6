/*
 * @capawesome/capacitor-live-update's protocol, as its native code (8.4.3) sends and reads it:
 * __tests__/fixtures/plugins/README.md. Latest bundle per channel, a bundle's files one by one
 * (the manifest artifact), channel discovery.
 */
import { CACHE_CONTROL } from '../registry/layout.js'
import type { DeviceBuild } from '../registry/releases.js'
import { acceptsBrotli } from './brotli.js'
import type { VersionFile } from './bundle-files.js'
import { isRegistryName } from './channels.js'
import { json } from './http.js'
import { refuse, selectRelease, selfAssignable, UNREACHABLE, type EndpointContext, type Refusal } from './selection.js'

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
  // A signed release goes as its zip: with publicKey set, the plugin wants an X-Signature on every
  // file it fetches in manifest mode, and only the zip is signed.
  const files = context.brotli && !signature ? await context.files.of(appId, selection.release) : undefined
  if (files) {
    // The plugin fetches `<url>?href=<path>` for the manifest, then for each file it lacks (LiveUpdate.java downloadBundleOfTypeManifest).
    return json(200, { artifactType: 'manifest', bundleId: version, channelName: selection.channel, url: `${publicOrigin(request)}${filesPath(appId, version)}`, checksum: null, signature: null })
  }
  // Checksum: sha256, lowercase hex, as the plugin computes it. Signature: base64, verified when the app sets publicKey.
  return json(200, { artifactType: 'zip', bundleId: version, channelName: selection.channel, url, checksum, signature: signature ?? null })
}

/** The file the plugin fetches first in manifest mode and keeps in the bundle, to compare the next one with (LiveUpdate.java manifestFileName). */
const CAPAWESOME_MANIFEST = 'capawesome-live-update-manifest.json'

const filesPath = (appId: string, version: string) => `/v1/apps/${encodeURIComponent(appId)}/bundles/${encodeURIComponent(version)}/files`

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/

/**
 * Where devices reach this endpoint: the plugin always asks https://<serverDomain> on port 443,
 * so https on the host asked (X-Forwarded-Host behind a proxy); plain http only for a loopback
 * address asked over http (a local run or a test).
 */
function publicOrigin(request: Request): string {
  const url = new URL(request.url)
  const forwarded = request.headers.get('x-forwarded-host')?.split(',')[0].trim()
  if (forwarded && /^[A-Za-z0-9.-]+(:\d+)?$/.test(forwarded)) return `https://${forwarded}`
  return url.protocol === 'http:' && LOOPBACK.test(url.hostname) ? url.origin : `https://${url.host}`
}

/**
 * The href query value as both platforms send it. OkHttp's addQueryParameter writes `+` as %2B,
 * iOS's URLQueryItem leaves `+` as is: so `+` is a plus here, never a space (URLSearchParams would
 * make it one).
 */
function hrefOf(search: string): string | undefined {
  for (const item of search.replace(/^\?/, '').split('&')) {
    const equals = item.indexOf('=')
    if (equals < 0 || item.slice(0, equals) !== 'href') continue
    try {
      return decodeURIComponent(item.slice(equals + 1))
    } catch {
      return undefined
    }
  }
  return undefined
}

const sha256Hex = async (bytes: Uint8Array) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))].map((byte) => byte.toString(16).padStart(2, '0')).join('')

/**
 * The manifest the plugin reads: one {href, checksum, sizeInBytes} per file (ManifestItem.java /
 * .swift). The plugin never hashes a file against `checksum`: it copies every item whose checksum
 * its running bundle's manifest holds from the running bundle, at the new item's href, unchecked.
 * So `checksum` names the content at that path, sha256 of `<href>\n<sha256 of the file>`: an item
 * matches only the same bytes at the same path, never another file that happens to hold them.
 */
async function manifestOf(files: VersionFile[]): Promise<Uint8Array> {
  const encoder = new TextEncoder()
  const items = await Promise.all(files.filter((file) => file.path !== CAPAWESOME_MANIFEST).map(async (file) => ({
    href: file.path,
    checksum: await sha256Hex(encoder.encode(`${file.path}\n${file.sha256}`)),
    sizeInBytes: file.size
  })))
  return encoder.encode(JSON.stringify(items))
}

/** What a version's file requests read: its manifest, and its files by path. */
interface ServedVersion {
  manifest: Promise<{ bytes: Uint8Array; sha256: string }>
  byPath: Map<string, VersionFile>
}

/**
 * Made once per version: BundleFiles keeps one files array per version, so this lives as long
 * as that array is cached (a release of 5,000 files is 5,000 digests, and a device asks for
 * each of its files by path).
 */
const servedVersions = new WeakMap<VersionFile[], ServedVersion>()

function servedVersion(files: VersionFile[]): ServedVersion {
  let version = servedVersions.get(files)
  if (!version) {
    version = { manifest: manifestOf(files).then(async (bytes) => ({ bytes, sha256: await sha256Hex(bytes) })), byPath: new Map(files.map((file) => [file.path, file])) }
    servedVersions.set(files, version)
  }
  return version
}

/** A file as the plugin checks it: the bytes it writes, and X-Checksum, the sha256 hex of those bytes (verifyFile, when no publicKey is set). */
function fileAnswer(bytes: Uint8Array, sha256: string, headers: Record<string, string>): Response {
  // encodeBody 'manual': Workers would otherwise compress a body sent with Content-Encoding once more; other runtimes ignore it.
  const init = { status: 200, headers: { 'x-checksum': sha256, 'cache-control': CACHE_CONTROL.immutable, vary: 'accept-encoding', ...headers }, ...(headers['content-encoding'] ? { encodeBody: 'manual' } : {}) }
  return new Response(bytes as Uint8Array<ArrayBuffer>, init)
}

/**
 * GET /v1/apps/{appId}/bundles/{version}/files?href=<path>: the version's manifest (href
 * capawesome-live-update-manifest.json) or one of its files, read from `files/<sha256>[.br]`.
 * A client that takes br (OkHttp's BrotliInterceptor and Alamofire ask for it) gets the stored
 * brotli bytes as Content-Encoding: br, which its HTTP stack decodes before the plugin writes and
 * checks them; any other gets them decoded here.
 */
export async function capawesomeBundleFile(request: Request, appId: string, version: string, context: EndpointContext): Promise<Response> {
  const decode = context.brotli
  if (!decode) return failure(refuse(404, 'files_not_served', 'This endpoint serves bundles as zips only: its runtime cannot decode brotli.'))
  const href = hrefOf(new URL(request.url).search)
  if (!href) return failure(refuse(400, 'invalid_href', 'The request names no file: add ?href=<path of the file in the bundle>.'))
  const stored = await context.files.ofVersion(appId, version)
  if (stored.kind === 'unreachable') return failure(UNREACHABLE)
  if (stored.kind === 'none') return failure(refuse(404, 'bundle_not_found', `Version ${version} of app ${appId} has no files in the registry.`))
  const served = servedVersion(stored.files)
  if (href === CAPAWESOME_MANIFEST) {
    const manifest = await served.manifest
    // Made by this endpoint, not stored: a newer endpoint may make it otherwise, so caches ask again.
    return fileAnswer(manifest.bytes, manifest.sha256, { 'content-type': 'application/json; charset=utf-8', 'cache-control': CACHE_CONTROL.mutable })
  }
  const file = served.byPath.get(href)
  if (!file) return failure(refuse(404, 'file_not_found', `Version ${version} of app ${appId} has no file "${href.slice(0, 200)}".`))
  const read = await context.registry.readBytes(file.key)
  if (read.kind !== 'found') {
    context.log(`${appId} ${version}: cannot read ${file.key} for ${href}: ${read.kind === 'missing' ? 'missing' : read.reason}`)
    return failure(read.kind === 'missing' ? refuse(502, 'file_missing', 'The registry lacks a file of this bundle; the endpoint logs which.') : UNREACHABLE)
  }
  const type = { 'content-type': 'application/octet-stream' }
  if (!file.brotli) return fileAnswer(read.bytes, file.sha256, type)
  if (acceptsBrotli(request.headers.get('accept-encoding'))) return fileAnswer(read.bytes, file.sha256, { ...type, 'content-encoding': 'br' })
  try {
    return fileAnswer(await decode(read.bytes), file.sha256, type)
  } catch (error) {
    context.log(`${appId} ${version}: ${file.key} does not decode as brotli: ${(error as Error).message}`)
    return failure(refuse(502, 'file_unreadable', 'A file of this bundle does not decode; the endpoint logs which.'))
  }
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
