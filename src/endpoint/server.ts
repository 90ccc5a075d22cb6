/*
 * The endpoint as a Node server: `node endpoint/dist/server.mjs --registry <dir|url> --port N`
 * (built by `npm run build-endpoint`). node:http in, the Fetch API handler inside.
 */
import { existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { parseArgs, promisify } from 'node:util'
import { brotliDecompress } from 'node:zlib'
import { FolderRegistryReader } from './folder-reader.js'
import { CAPGO_ROUTES } from '../registry/endpoint-routes.js'
import { createHandler } from './handler.js'
import { endpointOptions } from './options.js'
import { UrlRegistryReader, type RegistryReader } from './registry-reader.js'

const USAGE = `node server.mjs --registry <dir|url> [--port 8787] [--host 127.0.0.1]
  [--default-channel production] [--self-assign '*' | 'pr-*,beta'] [--cache-seconds 5]`

function registryFrom(location: string): RegistryReader {
  if (/^https?:\/\//.test(location)) return new UrlRegistryReader(location)
  if (!existsSync(location) || !statSync(location).isDirectory()) {
    throw new Error(`--registry ${location} is neither an http(s) URL nor a folder: give the registry's public URL or the folder the action writes (registry-path).`)
  }
  return new FolderRegistryReader(location)
}

/** Bodies are read whole before the handler sees them (faster than a web stream); past this, the client is cut off. */
const MAX_READ_BYTES = 1024 * 1024

function readBody(incoming: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_READ_BYTES) {
        incoming.destroy()
        resolve(undefined)
      } else chunks.push(chunk)
    })
    incoming.on('end', () => resolve(Buffer.concat(chunks)))
    incoming.on('error', () => resolve(undefined))
  })
}

function toRequest(incoming: IncomingMessage, origin: string, body: Buffer | undefined): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  }
  const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD'
  return new Request(new URL(incoming.url ?? '/', origin), { method: incoming.method, headers, ...(hasBody && body ? { body: new Uint8Array(body) as Uint8Array<ArrayBuffer> } : {}) })
}

const TOO_LARGE = JSON.stringify({ error: 'body_too_large', message: `The request body is larger than ${MAX_READ_BYTES} bytes.`, kind: 'failed' })

async function answer(handler: (request: Request) => Promise<Response>, incoming: IncomingMessage, outgoing: ServerResponse, origin: string): Promise<void> {
  const body = await readBody(incoming)
  if (!body) return void outgoing.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(TOO_LARGE)
  let response: Response
  try {
    response = await handler(toRequest(incoming, origin, body))
  } catch {
    response = new Response(JSON.stringify({ error: 'invalid_request', message: 'The request could not be read.' }), { status: 400, headers: { 'content-type': 'application/json' } })
  }
  const bytes = Buffer.from(await response.arrayBuffer())
  outgoing.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': String(bytes.length) })
  outgoing.end(bytes)
}

function main(): void {
  const { values } = parseArgs({
    options: {
      registry: { type: 'string' }, port: { type: 'string', default: '8787' }, host: { type: 'string', default: '127.0.0.1' },
      'default-channel': { type: 'string' }, 'self-assign': { type: 'string' }, 'cache-seconds': { type: 'string' }, help: { type: 'boolean' }
    }
  })
  if (values.help) return void console.log(USAGE)
  const port = Number(values.port)
  if (!values.registry || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${values.registry ? `--port ${values.port} is not a port number.` : '--registry is required.'}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  let handler: (request: Request) => Promise<Response>
  let registry: RegistryReader
  try {
    registry = registryFrom(values.registry)
    const settings = { defaultChannel: values['default-channel'], selfAssign: values['self-assign'], cacheSeconds: values['cache-seconds'] }
    // node:zlib decodes the registry's .br files for Capawesome devices (the handler has no Node module).
    handler = createHandler({ registry, log: (line) => console.log(line), brotliDecode: promisify(brotliDecompress), ...endpointOptions(settings) })
  } catch (error) {
    console.error((error as Error).message)
    process.exitCode = 2
    return
  }
  const server = createServer((incoming, outgoing) => {
    const origin = `http://${incoming.headers.host ?? `${values.host}:${port}`}`
    void answer(handler, incoming, outgoing, origin).catch(() => outgoing.destroy())
  })
  server.on('error', (error) => {
    console.error(`cannot listen on ${values.host}:${port}: ${error.message}`)
    process.exitCode = 1
  })
  server.listen(port, values.host, () => {
    const address = server.address()
    const actual = typeof address === 'object' && address ? address.port : port
    console.log(`update endpoint on http://${values.host}:${actual} (${CAPGO_ROUTES.updateUrl}, ${CAPGO_ROUTES.channelUrl}, ${CAPGO_ROUTES.statsUrl}, /v1/apps/{appId}/bundles/latest), registry ${registry.location}`)
  })
  const stop = () => server.close(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main()
