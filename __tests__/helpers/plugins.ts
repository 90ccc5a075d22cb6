/*
 * Requests shaped byte for byte like the updater plugins' (from the fixtures recorded from
 * their native sources, __tests__/fixtures/plugins/), and their answers parsed as the
 * plugins' native code parses them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { sha256 } from '../../src/sha256.js'
import { repoRoot } from './action.js'
import type { EndpointAnswer, RawAnswer, RunningEndpoint } from './endpoint.js'

export type Platform = 'android' | 'ios'
const FIXTURES = join(repoRoot, '__tests__', 'fixtures', 'plugins')

interface FixtureRequest { method: string; url: string; headers: Record<string, string>; body: string | null }
interface Fixture { version: string; requests: Record<string, FixtureRequest> }

const fixture = (folder: string, platform: Platform): Fixture => JSON.parse(readFileSync(join(FIXTURES, folder, `requests.${platform}.json`), 'utf8'))
const capgoFixture = (platform: Platform) => fixture('capgo-capacitor-updater-8.51.23', platform)
/** One stats event as the Android plugin sends it (the fixture's batch holds one). */
export const capgoStatsBody = () => JSON.stringify(JSON.parse(capgoFixture('android').requests.stats.body!)[0])
const capawesomeFixture = (platform: Platform) => fixture('capawesome-capacitor-live-update-8.4.3', platform)

/** The fixture's JSON body with some values changed: keys keep the plugin's order, new ones go last, as JSONObject.put does. */
function withValues(body: string, values: Record<string, unknown>): string {
  const parsed = JSON.parse(body)
  const apply = (object: Record<string, unknown>) => ({ ...object, ...values })
  return JSON.stringify(Array.isArray(parsed) ? parsed.map(apply) : apply(parsed))
}

/** The query with some values changed in place; a null value is the bare name, as OkHttp writes it. */
function withQuery(query: string, values: Record<string, string | null>): string {
  const items = query.split('&').map((item) => {
    const name = decodeURIComponent(item.split('=')[0])
    return name in values ? [name, values[name]] as const : [name, item.includes('=') ? decodeURIComponent(item.slice(item.indexOf('=') + 1)) : null] as const
  })
  for (const [name, value] of Object.entries(values)) if (!items.some(([existing]) => existing === name)) items.push([name, value])
  return items.map(([name, value]) => (value === null ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)).join('&')
}

/** What a Capgo device reports: the fields of its info object to change from the fixture's sample device. */
export type CapgoDevice = Partial<Record<'app_id' | 'device_id' | 'version_build' | 'version_code' | 'version_name' | 'defaultChannel' | 'custom_id', string>>

export class CapgoDeviceClient {
  constructor(private readonly endpoint: RunningEndpoint, readonly platform: Platform, private readonly device: CapgoDevice = {}) {}

  private send(name: string, path: string, extra: Record<string, unknown> = {}): Promise<EndpointAnswer> {
    const request = capgoFixture(this.platform).requests[name]
    const values = { ...this.device, ...extra }
    if (request.method === 'GET') {
      const query = withQuery(request.url.slice(request.url.indexOf('?') + 1), values as Record<string, string>)
      return this.endpoint.send(`${path}?${query}`, { method: 'GET', headers: request.headers })
    }
    return this.endpoint.send(path, { method: request.method, headers: request.headers, body: withValues(request.body!, values) })
  }

  with(device: CapgoDevice): CapgoDeviceClient {
    return new CapgoDeviceClient(this.endpoint, this.platform, { ...this.device, ...device })
  }

  async update(): Promise<CapgoLatest> {
    return parseCapgoLatest(this.platform, await this.send('update', '/updates'))
  }
  async setChannel(channel: string): Promise<CapgoChannelResult> {
    return parseCapgoSetChannel(this.platform, await this.send('setChannel', '/channel_self', { channel }))
  }
  async getChannel(): Promise<Record<string, unknown>> {
    return parseCapgoObject(await this.send('getChannel', '/channel_self'))
  }
  async listChannels(): Promise<CapgoChannelList> {
    return parseCapgoList(await this.send('listChannels', '/channel_self'))
  }
  stats(name: 'stats' | 'statsRateLimit' = 'stats'): Promise<EndpointAnswer> {
    return this.send(name, '/stats')
  }
  /** A request body of the plugin's shape but other text: for bad-input tests. */
  raw(path: string, body: string): Promise<EndpointAnswer> {
    const request = capgoFixture(this.platform).requests.update
    return this.endpoint.send(path, { method: 'POST', headers: request.headers, body })
  }
}

/** One entry of the answer's `manifest`, as DownloadService.handleManifestDownload reads it (8.51.23). */
export interface CapgoManifestEntry { file_name: string; file_hash: string; download_url: string }

export type CapgoLatest =
  | { outcome: 'update'; version: string; url: string; checksum: string; manifest?: CapgoManifestEntry[] }
  | { outcome: 'up_to_date' | 'blocked' | 'failed'; error: string; message: string; statusCode: number }

/** The JSON object, or what the plugin reports instead (Android makeJsonRequest's parse_error / response_error). */
function jsonObject(answer: EndpointAnswer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(answer.text)
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}

const AppVersionDec: Record<string, 'string' | 'boolean' | 'object'> = { version: 'string', checksum: 'string', url: 'string', message: 'string', error: 'string', kind: 'string', session_key: 'string', major: 'boolean', breaking: 'boolean', data: 'object', manifest: 'object' }

/** CapgoUpdater.getLatest + CapacitorUpdaterPlugin's handling of its result (responses.json of the fixture). */
function parseCapgoLatest(platform: Platform, answer: EndpointAnswer): CapgoLatest {
  const body = jsonObject(answer)
  const failed = (error: string, message: string) => ({ outcome: 'failed' as const, error, message, statusCode: answer.status })
  if (!body) return answer.status >= 400 ? failed('response_error', `Server error: ${answer.status}`) : failed('parse_error', 'JSON parse error')
  if (platform === 'ios') {
    // JSONDecoder into AppVersionDec: a known field of another type fails the whole answer.
    for (const [field, type] of Object.entries(AppVersionDec)) {
      if (field in body && body[field] !== null && typeof body[field] !== type) return failed('decode_error', 'Error getting Latest')
    }
  }
  const kinds = ['up_to_date', 'blocked', 'failed'] as const
  const kindOf = (kind: unknown) => (kinds.includes(kind as never) ? (kind as (typeof kinds)[number]) : 'failed')
  if ('error' in body || 'kind' in body || (platform === 'ios' && (answer.status < 200 || answer.status >= 300))) {
    return { outcome: kindOf(body.kind), error: String(body.error ?? ''), message: String(body.message ?? 'server did not provide a message'), statusCode: answer.status }
  }
  // getLatest() rejects an answer with a message and neither error nor kind.
  if ('message' in body) return failed('', String(body.message))
  if (typeof body.url !== 'string' || !URL.canParse(body.url)) return failed('', 'Error no url or wrong format')
  if (typeof body.checksum !== 'string' || !body.checksum) return failed('checksum_required', 'checksum_required')
  // CapacitorUpdaterPlugin: jsRes.has("manifest") selects the file-by-file download; each entry needs file_name, download_url and a file_hash.
  const manifest = Array.isArray(body.manifest) ? (body.manifest as CapgoManifestEntry[]) : undefined
  if (manifest?.some((entry) => typeof entry.file_name !== 'string' || typeof entry.download_url !== 'string' || !entry.file_hash)) return failed('', 'invalid manifest entry')
  return { outcome: 'update', version: String(body.version), url: body.url, checksum: body.checksum, ...(manifest ? { manifest } : {}) }
}

export type CapgoChannelResult = { outcome: 'stored' | 'unset'; status: string; message: string } | { outcome: 'failed'; error: string; message: string }

/** setChannel: an error fails; unset: true forgets the channel; anything else stores it (iOS also fails on a non-2xx status). */
function parseCapgoSetChannel(platform: Platform, answer: EndpointAnswer): CapgoChannelResult {
  const body = jsonObject(answer)
  if (!body) return { outcome: 'failed', error: answer.status >= 400 ? 'response_error' : 'parse_error', message: '' }
  if ('error' in body || (platform === 'ios' && (answer.status < 200 || answer.status >= 300)) || (platform === 'android' && 'kind' in body)) {
    return { outcome: 'failed', error: String(body.error ?? 'response_error'), message: String(body.message ?? '') }
  }
  if (answer.status < 200 || answer.status >= 300) return { outcome: 'failed', error: 'response_error', message: `Server error: ${answer.status}` }
  return { outcome: body.unset === true ? 'unset' : 'stored', status: String(body.status ?? ''), message: String(body.message ?? '') }
}

function parseCapgoObject(answer: EndpointAnswer): Record<string, unknown> {
  const body = jsonObject(answer)
  if (!body) throw new Error(`not a JSON object (HTTP ${answer.status}): ${answer.text}`)
  return { ...body, statusCode: answer.status }
}

export type CapgoChannelList = { channels: { id: number; name: string; public: boolean; allow_self_set: boolean }[] } | { error: string }

/** parseListChannelsResponse: an array whose ids are numbers, or an object with an error. */
function parseCapgoList(answer: EndpointAnswer): CapgoChannelList {
  const value = JSON.parse(answer.text)
  if (!Array.isArray(value)) return { error: String(value.error ?? 'parse_error') }
  if (answer.status < 200 || answer.status >= 300) return { error: 'response_error' }
  for (const channel of value) if (typeof channel.id !== 'number') throw new Error('Channel id must be a number')
  return { channels: value.map((channel) => ({ id: channel.id, name: channel.name ?? '', public: channel.public ?? false, allow_self_set: channel.allow_self_set ?? false })) }
}

export interface CapawesomeBundle { artifactType: string; bundleId: string; channelName: string | null; url: string; checksum: string | null; signature: string | null }

export class CapawesomeDeviceClient {
  constructor(private readonly endpoint: RunningEndpoint, readonly platform: Platform, private readonly query: Record<string, string | null> = {}) {}

  with(query: Record<string, string | null>): CapawesomeDeviceClient {
    return new CapawesomeDeviceClient(this.endpoint, this.platform, { ...this.query, ...query })
  }

  private path(name: string, appId?: string): { path: string; headers: Record<string, string> } {
    const request = capawesomeFixture(this.platform).requests[name]
    const url = new URL(request.url.replace('{serverDomain}', 'server.example'))
    const pathname = appId ? url.pathname.replace('com.example.liveupdate', encodeURIComponent(appId)) : url.pathname
    const query = name === 'latestBundle' ? withQuery(url.search.slice(1), this.query) : url.search.slice(1)
    return { path: `${pathname}?${query}`, headers: request.headers }
  }

  /** fetchLatestBundle: any non-2xx answer is no update (null); on iOS artifactType, bundleId and url must decode. */
  async latestBundle(appId?: string): Promise<{ bundle: CapawesomeBundle | null; answer: EndpointAnswer }> {
    const { path, headers } = this.path('latestBundle', appId)
    const answer = await this.endpoint.send(path, { method: 'GET', headers })
    if (answer.status < 200 || answer.status >= 300) return { bundle: null, answer }
    const body = JSON.parse(answer.text)
    if (this.platform === 'ios' && (!['zip', 'manifest'].includes(body.artifactType) || typeof body.bundleId !== 'string' || typeof body.url !== 'string')) {
      return { bundle: null, answer }
    }
    const optional = (value: unknown) => (value === null || value === undefined ? null : String(value))
    return { bundle: { artifactType: body.artifactType === 'manifest' ? 'manifest' : 'zip', bundleId: String(body.bundleId ?? ''), channelName: optional(body.channelName), url: String(body.url ?? ''), checksum: optional(body.checksum), signature: optional(body.signature) }, answer }
  }

  /**
   * downloadBundleOfTypeManifest (8.4.3): the manifest at `<url>?href=capawesome-live-update-manifest.json`,
   * then each item whose checksum the running bundle's manifest lacks; the others are copied from the
   * running bundle at the new item's href, unchecked (a missing one is downloaded instead). Each
   * download must be 2xx and match its X-Checksum (verifyFile, no publicKey). `running` is the
   * running bundle's files, undefined for the built-in bundle without a manifest.
   */
  async downloadManifestBundle(bundle: CapawesomeBundle, running?: Map<string, Buffer>): Promise<CapawesomeDownload> {
    if (bundle.artifactType !== 'manifest') throw new Error(`artifactType is ${bundle.artifactType}`)
    const { headers } = capawesomeFixture(this.platform).requests.bundleFile
    const fetched: string[] = []
    let wireBytes = 0
    const download = async (href: string): Promise<Buffer> => {
      const query = `href=${encodeHref(this.platform, href)}`
      // Android appends to the url's query (HttpUrl.Builder); iOS replaces it (URLComponents.queryItems).
      const url = this.platform === 'android' ? `${bundle.url}${bundle.url.includes('?') ? '&' : '?'}${query}` : `${bundle.url.split('?')[0]}?${query}`
      const answer = await this.endpoint.getRaw(url, headers)
      if (answer.status < 200 || answer.status >= 300) throw new Error(`downloading ${href} failed: HTTP ${answer.status} ${answer.bytes.toString('utf8')}`)
      fetched.push(href)
      wireBytes += answer.bytes.length
      const bytes = decodedBody(this.platform, answer)
      const checksum = answer.headers.get('x-checksum')
      if (checksum !== null && sha256(bytes) !== checksum) throw new Error(`checksum mismatch for ${href}`)
      return bytes
    }
    const manifestBytes = await download(CAPAWESOME_MANIFEST_FILE)
    const latest = parseCapawesomeManifest(this.platform, manifestBytes)
    const current = running?.has(CAPAWESOME_MANIFEST_FILE) ? parseCapawesomeManifest(this.platform, running.get(CAPAWESOME_MANIFEST_FILE)!) : undefined
    const held = new Set(current?.map((item) => item.checksum))
    const files = new Map<string, Buffer>([[CAPAWESOME_MANIFEST_FILE, manifestBytes]])
    const missing: CapawesomeManifestItem[] = []
    for (const item of latest) {
      const copy = held.has(item.checksum) ? running?.get(item.href) : undefined
      if (copy) files.set(item.href, copy)
      else missing.push(item)
    }
    for (const [index, bytes] of (await Promise.all(missing.map((item) => download(item.href)))).entries()) files.set(missing[index].href, bytes)
    // addBundle: the folder must hold an index.html.
    if (![...files.keys()].some((path) => path === 'index.html' || path.endsWith('/index.html'))) throw new Error('bundleIndexHtmlMissing')
    return { files, fetched, wireBytes }
  }

  async channels(): Promise<{ id: string; name: string }[]> {
    const { path, headers } = this.path('channels')
    const answer = await this.endpoint.send(path, { method: 'GET', headers })
    if (answer.status < 200 || answer.status >= 300) throw new Error(answer.text)
    return (JSON.parse(answer.text) as { id: string; name: string }[]).map((item) => ({ id: String(item.id), name: String(item.name) }))
  }
}

/** The file the plugin keeps a bundle's manifest in, and asks for first (LiveUpdate.java / LiveUpdate.swift manifestFileName). */
export const CAPAWESOME_MANIFEST_FILE = 'capawesome-live-update-manifest.json'

interface CapawesomeManifestItem { href: string; checksum: string; sizeInBytes: number }

/** The href query value as each platform's URL builder writes it (requests.<platform>.json, bundleFile.href). */
function encodeHref(platform: Platform, href: string): string {
  const escaped = encodeURIComponent(href)
  // OkHttp's query-component set also escapes !'()~; URLComponents leaves what urlQueryAllowed holds ($+,;:@/?) as is.
  if (platform === 'android') return escaped.replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return escaped.replace(/%(24|2B|2C|3B|3A|40|2F|3F)/g, (_, code: string) => String.fromCharCode(parseInt(code, 16)))
}

/** What the HTTP stack hands the plugin: OkHttp's BrotliInterceptor decodes br and gzip, URLSession br, gzip and deflate. */
function decodedBody(platform: Platform, answer: RawAnswer): Buffer {
  const encoding = (answer.headers.get('content-encoding') ?? '').toLowerCase()
  if (!encoding) return answer.bytes
  if (encoding === 'br') return brotliDecompressSync(answer.bytes)
  if (encoding === 'gzip') return gunzipSync(answer.bytes)
  if (encoding === 'deflate' && platform === 'ios') return inflateSync(answer.bytes)
  return answer.bytes
}

/** Android reads items with optString/optInt (defaults when absent); iOS decodes [ManifestItem] with Codable (all three required). */
function parseCapawesomeManifest(platform: Platform, bytes: Buffer): CapawesomeManifestItem[] {
  const items = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>[]
  if (!Array.isArray(items)) throw new Error('the manifest is not a JSON array')
  return items.map((item) => {
    if (platform === 'ios' && (typeof item.href !== 'string' || typeof item.checksum !== 'string' || !Number.isInteger(item.sizeInBytes))) throw new Error(`manifest item does not decode: ${JSON.stringify(item)}`)
    return { href: String(item.href ?? ''), checksum: String(item.checksum ?? ''), sizeInBytes: Number(item.sizeInBytes ?? 0) | 0 }
  })
}

/** A bundle downloaded in manifest mode: its files by href (the manifest among them, as the plugin keeps it), and what went over the wire. */
export interface CapawesomeDownload { files: Map<string, Buffer>; fetched: string[]; wireBytes: number }
