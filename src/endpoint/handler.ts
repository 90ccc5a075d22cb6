/*
 * The update endpoint: one request handler on the Fetch API (Request in, Response out) that
 * answers both updater plugins from the registry the action writes (docs/architecture.md,
 * Update endpoint). It imports no Node module: the same code runs on Workers, Deno, Bun and Node.
 */
import { streamBrotliDecoder, type BrotliDecoder } from './brotli.js'
import { capawesomeBundleFile, capawesomeChannels, capawesomeLatestBundle } from './capawesome.js'
import { capgoChannel, capgoStats, capgoUpdate } from './capgo.js'
import { BundleFiles } from './bundle-files.js'
import { ChannelStore, isRegistryName, SelfAssignPolicy } from './channels.js'
import { json } from './http.js'
import { CAPGO_ROUTES } from '../registry/endpoint-routes.js'
import type { RegistryReader } from './registry-reader.js'
import type { EndpointContext } from './selection.js'

export interface EndpointOptions {
  registry: RegistryReader
  /** Where lines go: registry failures, unreadable pointers, channel choices, stats. */
  log: (line: string) => void
  /** How long a pointer is reused (5). */
  cacheSeconds?: number
  /** The channel of devices that name none (production). */
  defaultChannel?: string
  /** Channels devices may choose with setChannel: `*` for any channel with a pointer, or names with `*` (['*']). */
  selfAssign?: string[]
  /** The largest request body read (64 KiB): the plugins send a few hundred bytes, a stats batch a few KiB. */
  maxBodyBytes?: number
  now?: () => number
  /**
   * Decodes brotli (the Node server hands in node:zlib's); without it, DecompressionStream('brotli')
   * where the runtime has it. With neither, Capawesome devices get zips, not files.
   */
  brotliDecode?: BrotliDecoder
}


const CAPAWESOME = /^\/v1\/apps\/([^/]+)\/(bundles\/latest|channels)$/
const CAPAWESOME_FILES = /^\/v1\/apps\/([^/]+)\/bundles\/([^/]+)\/files$/
/** A version as a registry key's segment: no slash, no `..` (semver, with build metadata). */
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,127}$/

export function createHandler(options: EndpointOptions): (request: Request) => Promise<Response> {
  const defaultChannel = options.defaultChannel ?? 'production'
  if (!isRegistryName(defaultChannel)) throw new Error(`The default channel "${defaultChannel}" is not a channel name.`)
  const brotli = options.brotliDecode ?? streamBrotliDecoder()
  const context: EndpointContext = {
    registry: options.registry,
    files: new BundleFiles(options.registry),
    ...(brotli ? { brotli } : {}),
    channels: new ChannelStore({ registry: options.registry, cacheSeconds: options.cacheSeconds ?? 5, now: options.now, log: options.log }),
    defaultChannel,
    selfAssign: new SelfAssignPolicy(options.selfAssign ?? ['*']),
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    log: options.log
  }
  return async (request) => {
    try {
      return await route(request, context)
    } catch (error) {
      // A bug, not the client's doing: the log gets the stack, the plugin a sentence.
      options.log(`internal error on ${request.method} ${new URL(request.url).pathname}: ${(error as Error).stack ?? String(error)}`)
      return json(500, { error: 'internal_error', message: 'The update endpoint failed; its log says why.', kind: 'failed' })
    }
  }
}

const notAllowed = (allowed: string) =>
  new Response(JSON.stringify({ error: 'method_not_allowed', message: `Use ${allowed}.` }), { status: 405, headers: { allow: allowed, 'content-type': 'application/json; charset=utf-8' } })

const invalidAppId = () => json(400, { error: 'invalid_app_id', message: 'The path names no valid app id: set appId in capacitor.config.' })

/** A path segment decoded, or undefined when its %-escapes are broken. */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

async function route(request: Request, context: EndpointContext): Promise<Response> {
  const path = new URL(request.url).pathname.replace(/\/+$/, '') || '/'
  const method = request.method
  if (path === CAPGO_ROUTES.updateUrl) return method === 'POST' ? capgoUpdate(request, context) : notAllowed('POST')
  if (path === CAPGO_ROUTES.channelUrl) return ['POST', 'PUT', 'GET'].includes(method) ? capgoChannel(request, context) : notAllowed('POST, PUT, GET')
  if (path === CAPGO_ROUTES.statsUrl) return method === 'POST' ? capgoStats(request, context) : notAllowed('POST')
  const capawesome = CAPAWESOME.exec(path)
  if (capawesome) {
    if (method !== 'GET') return notAllowed('GET')
    const appId = decoded(capawesome[1])
    if (!isRegistryName(appId)) return invalidAppId()
    return capawesome[2] === 'channels' ? capawesomeChannels(request, appId, context) : capawesomeLatestBundle(request, appId, context)
  }
  const files = CAPAWESOME_FILES.exec(path)
  if (files) {
    if (method !== 'GET') return notAllowed('GET')
    const [appId, version] = [decoded(files[1]), decoded(files[2])]
    if (!isRegistryName(appId)) return invalidAppId()
    if (!version || !VERSION.test(version) || version.includes('..')) return json(400, { error: 'invalid_version', message: 'The path names no valid bundle version.' })
    return capawesomeBundleFile(request, appId, version, context)
  }
  if (path === '/health') return json(200, { status: 'ok' })
  return json(404, { error: 'not_found', message: `Nothing answers ${path}: the plugins use ${Object.values(CAPGO_ROUTES).join(', ')} and /v1/apps/{appId}/bundles/latest.` })
}
