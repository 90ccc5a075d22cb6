import { createCipheriv } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error s3rver ships no types; only its constructor, run() and close() are used.
import S3rver from 's3rver'

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface LocalS3 {
  endpoint: string
  bucket: string
  close(): Promise<void>
}

/**
 * s3rver's continuation tokens (a listing of more than one page) are DES-encrypted, which
 * OpenSSL 3 offers only with its legacy provider: without it every second page is a 500.
 */
function assertS3rverCanPage(): void {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8))
  } catch {
    throw new Error('s3rver cannot page listings in this process: run node with --openssl-legacy-provider (npm test sets it in NODE_OPTIONS).')
  }
}

/** An S3-compatible server (s3rver) on 127.0.0.1 with one bucket, in a temporary folder. */
export async function startS3(bucket = 'updates'): Promise<LocalS3> {
  assertS3rverCanPage()
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] })
  const { port } = await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    close: async () => {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

/**
 * What the proxy does to a chosen request: answer a status (412 as a store that holds the
 * object would), drop the connection, stall, flip one byte of the request body on its way
 * to the store (`corrupt`), pass the store's answer back one byte every 700 ms (`trickle`),
 * or pass its first three quarters, the byte at its middle flipped, and close the connection
 * (`cut`, a transfer that broke off after bad bytes).
 */
type Fault = { status: number; body?: string } | 'drop' | 'stall' | 'corrupt' | 'trickle' | 'cut'

interface FaultRule {
  method: string
  /** Matched against the path (key) of the request. */
  path: RegExp
  /** Which matching requests get the fault: 1-based; `always` for every one. */
  times: number[] | 'always'
  /** Only the requests with a Range header (true), or only those without (false). */
  ranged?: boolean
  fault: Fault
}

export interface FaultProxy {
  endpoint: string
  rules: FaultRule[]
  /** Every request seen, as "METHOD path". */
  seen: string[]
  /**
   * Answer If-None-Match: * and If-Match on PUT and on completing a multipart upload as AWS
   * S3 does (412 when the condition fails, one conditional write per key at a time), which
   * s3rver itself ignores.
   */
  enforceConditions: boolean
  close(): Promise<void>
}

const TRICKLE_MS = 700

/** A proxy of the tests' own between the action and S3 that answers errors, drops or stalls chosen requests. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const counts = new Map<FaultRule, number>()
  const stalled: ServerResponse[] = []
  const proxy: FaultProxy = { endpoint: '', rules: [], seen: [], enforceConditions: false, close: async () => undefined }
  const keyLocks = new Map<string, Promise<unknown>>()

  function send(incoming: IncomingMessage, body: Buffer | undefined, answer: (upstream: IncomingMessage) => void, failed: () => void) {
    const url = new URL(incoming.url ?? '/', target)
    const upstream = request(url, { method: incoming.method, headers: incoming.headers }, answer)
    upstream.on('error', failed)
    if (body) upstream.end(body)
    else incoming.pipe(upstream)
  }

  function forward(incoming: IncomingMessage, outgoing: ServerResponse, body?: Buffer) {
    send(incoming, body, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    }, () => outgoing.destroy())
  }

  function readBody(incoming: IncomingMessage): Promise<Buffer> {
    return new Promise((done) => {
      const chunks: Buffer[] = []
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
      incoming.on('end', () => done(Buffer.concat(chunks)))
    })
  }

  /** The store's ETag for a key, or undefined when absent: a HEAD of our own. */
  function etagOf(path: string): Promise<string | undefined> {
    return new Promise((done, fail) => {
      const head = request(new URL(path, target), { method: 'HEAD' }, (answer) => {
        answer.resume()
        done(answer.statusCode === 200 ? String(answer.headers.etag) : undefined)
      })
      head.on('error', fail)
      head.end()
    })
  }

  /** Conditional writes as AWS answers them: checked and written under one lock per key. */
  function conditional(incoming: IncomingMessage, outgoing: ServerResponse, path: string) {
    const run = async () => {
      const body = await readBody(incoming)
      const current = await etagOf(path)
      const noneMatch = incoming.headers['if-none-match']
      const match = incoming.headers['if-match']
      if ((noneMatch === '*' && current) || (match && match !== current)) {
        outgoing.writeHead(412, { 'content-type': 'application/xml' })
        outgoing.end('<?xml version="1.0"?><Error><Code>PreconditionFailed</Code></Error>')
        return
      }
      await new Promise<void>((done) => {
        send(incoming, body, (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
          answer.on('end', done)
        }, () => {
          outgoing.destroy()
          done()
        })
      })
    }
    const previous = keyLocks.get(path) ?? Promise.resolve()
    const next = previous.then(run, run).catch(() => outgoing.destroy())
    keyLocks.set(path, next)
  }

  function cut(incoming: IncomingMessage, outgoing: ServerResponse) {
    send(incoming, undefined, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      void readBody(answer).then((bytes) => {
        const passed = Buffer.from(bytes.subarray(0, Math.floor(bytes.length * 0.75)))
        if (passed.length) passed[bytes.length >> 1] ^= 0x01
        outgoing.write(passed, () => outgoing.destroy())
      })
    }, () => outgoing.destroy())
  }

  function trickle(incoming: IncomingMessage, outgoing: ServerResponse) {
    send(incoming, undefined, (answer) => {
      const { 'content-length': length, ...headers } = answer.headers
      outgoing.writeHead(answer.statusCode ?? 502, { ...headers, ...(length ? { 'content-length': length } : {}) })
      void readBody(answer).then(async (bytes) => {
        for (const byte of bytes) {
          if (outgoing.destroyed) return
          outgoing.write(Buffer.from([byte]))
          await new Promise((done) => setTimeout(done, TRICKLE_MS))
        }
        outgoing.end()
      })
    }, () => outgoing.destroy())
  }

  const server: Server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '').split('?')[0]
    proxy.seen.push(`${incoming.method} ${incoming.url}`)
    for (const rule of proxy.rules) {
      if (rule.method !== incoming.method || !rule.path.test(path)) continue
      if (rule.ranged !== undefined && rule.ranged !== Boolean(incoming.headers.range)) continue
      const n = (counts.get(rule) ?? 0) + 1
      counts.set(rule, n)
      if (rule.times !== 'always' && !rule.times.includes(n)) continue
      const fault = rule.fault
      if (fault === 'trickle') return trickle(incoming, outgoing)
      if (fault === 'cut') return cut(incoming, outgoing)
      if (fault === 'corrupt') {
        void readBody(incoming).then((body) => {
          if (body.length) body[body.length >> 1] ^= 0x01
          forward(incoming, outgoing, body)
        })
        return
      }
      // Read the request body first, as a server would, then misbehave.
      incoming.resume()
      incoming.on('end', () => {
        if (fault === 'drop') incoming.socket.destroy()
        else if (fault === 'stall') stalled.push(outgoing)
        else {
          outgoing.writeHead(fault.status, { 'content-type': 'application/xml' })
          const code = ({ 412: 'PreconditionFailed', 503: 'SlowDown' } as Record<number, string>)[fault.status] ?? 'InternalError'
          outgoing.end(fault.body ?? `<?xml version="1.0"?><Error><Code>${code}</Code></Error>`)
        }
      })
      return
    }
    const query = new URL(incoming.url ?? '/', target).searchParams
    const writesObject = (incoming.method === 'PUT' && !query.has('partNumber')) || (incoming.method === 'POST' && query.has('uploadId'))
    if (proxy.enforceConditions && writesObject && (incoming.headers['if-none-match'] || incoming.headers['if-match'])) return conditional(incoming, outgoing, path)
    const writing = keyLocks.get(path)
    // S3 replaces an object whole; s3rver writes its file in place, so a read waits for a write under way.
    if (proxy.enforceConditions && writing && (incoming.method === 'GET' || incoming.method === 'HEAD')) return void writing.then(() => forward(incoming, outgoing))
    forward(incoming, outgoing)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () =>
    new Promise((done) => {
      for (const response of stalled) response.destroy()
      server.closeAllConnections()
      server.close(() => done())
    })
  return proxy
}
