/*
 * The update endpoint as tests drive it: a fresh build of src/endpoint (the build script of
 * endpoint/dist/, into node_modules/.cache), started as the Node server on 127.0.0.1 or called as
 * the Worker through its fetch(request, env) with real Request objects.
 */
import { jest } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { pathToFileURL } from 'node:url'
import { freshBuildOf } from './fresh-build.js'
import { answerOf, endpointOverHttp } from './http-endpoint.js'

/** endpoint/dist as `npm run build-endpoint` makes it from the current src (see freshBuildOf). */
export const buildEndpoint = (): Promise<string> => freshBuildOf('build-endpoint.mjs')

export interface EndpointAnswer {
  status: number
  headers: Headers
  text: string
}

/** An answer's bytes as they came on the wire: no Content-Encoding decoded (the device's HTTP stack does that). */
export interface RawAnswer {
  status: number
  headers: Headers
  bytes: Buffer
}

export interface RunningEndpoint {
  /** What a device would put in capacitor.config: the endpoint's origin. */
  origin: string
  send(path: string, init: { method: string; headers?: Record<string, string>; body?: string | null }): Promise<EndpointAnswer>
  /** GET of an absolute URL the endpoint handed out, raw. */
  getRaw(url: string, headers: Record<string, string>): Promise<RawAnswer>
  logs(): string
  close(): Promise<void>
}

export interface EndpointSettings {
  registry: string
  defaultChannel?: string
  selfAssign?: string
}

/** `node server.mjs --registry … --port 0`, read from its first line of output. */
export async function startNodeEndpoint(settings: EndpointSettings): Promise<RunningEndpoint> {
  const dir = await buildEndpoint()
  const args = [join(dir, 'server.mjs'), '--registry', settings.registry, '--port', '0', '--host', '127.0.0.1', '--cache-seconds', '0']
  if (settings.defaultChannel) args.push('--default-channel', settings.defaultChannel)
  if (settings.selfAssign) args.push('--self-assign', settings.selfAssign)
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const origin = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /update endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolve(match[1])
    }
    child.stdout!.on('data', look)
    child.on('exit', (code) => reject(new Error(`the endpoint exited with ${code}: ${output}`)))
  })
  return {
    ...endpointOverHttp(origin),
    logs: () => output,
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.on('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
}

interface WorkerModule {
  default: { fetch(request: Request, env: Record<string, string>): Promise<Response> }
}

/** The Worker build's default export, called as Workers call it. Its log is what it writes with console.log. */
export async function startWorkerEndpoint(settings: EndpointSettings): Promise<RunningEndpoint> {
  const dir = await buildEndpoint()
  const worker = (await import(pathToFileURL(join(dir, 'worker.mjs')).href)) as WorkerModule
  const env: Record<string, string> = { REGISTRY_URL: settings.registry, CACHE_SECONDS: '0' }
  if (settings.defaultChannel) env.DEFAULT_CHANNEL = settings.defaultChannel
  if (settings.selfAssign) env.SELF_ASSIGN = settings.selfAssign
  const lines: string[] = []
  const spy = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')))
  const origin = 'https://updates-endpoint.example'
  return {
    origin,
    send: async (path, init) => answerOf(await worker.default.fetch(new Request(`${origin}${path}`, { method: init.method, headers: init.headers, body: init.body ?? undefined }), env)),
    getRaw: async (url, headers) => {
      if (!url.startsWith(`${origin}/`)) throw new Error(`${url} is not on the endpoint ${origin}`)
      const response = await worker.default.fetch(new Request(url, { headers }), env)
      return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) }
    },
    logs: () => lines.join('\n'),
    close: async () => spy.mockRestore()
  }
}

const TYPES: Record<string, string> = { '.json': 'application/json', '.zip': 'application/zip', '.svg': 'image/svg+xml' }

/** A folder behind a web server, as users host the folder registry: GET only, 404 for what is not there. */
export async function serveFolder(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))
    const file = join(root, path)
    try {
      if (!file.startsWith(root) || !statSync(file).isFile()) throw new Error('not a file')
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
      response.end(readFileSync(file))
    } catch {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
