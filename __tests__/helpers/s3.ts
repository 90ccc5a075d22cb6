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

/** An S3-compatible server (s3rver) on 127.0.0.1 with one bucket, in a temporary folder. */
export async function startS3(bucket = 'updates'): Promise<LocalS3> {
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

export type Fault = { status: number; body?: string } | 'drop' | 'stall'

export interface FaultRule {
  method: string
  /** Matched against the path (key) of the request. */
  path: RegExp
  /** Which matching requests get the fault: 1-based; `always` for every one. */
  times: number[] | 'always'
  fault: Fault
}

export interface FaultProxy {
  endpoint: string
  rules: FaultRule[]
  /** Every request seen, as "METHOD path". */
  seen: string[]
  close(): Promise<void>
}

/** A proxy of the tests' own between the action and S3 that answers errors, drops or stalls chosen requests. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const counts = new Map<FaultRule, number>()
  const stalled: ServerResponse[] = []
  const proxy: FaultProxy = { endpoint: '', rules: [], seen: [], close: async () => undefined }

  function forward(incoming: IncomingMessage, outgoing: ServerResponse) {
    const url = new URL(incoming.url ?? '/', target)
    const upstream = request(url, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    upstream.on('error', () => outgoing.destroy())
    incoming.pipe(upstream)
  }

  const server: Server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '').split('?')[0]
    proxy.seen.push(`${incoming.method} ${incoming.url}`)
    for (const rule of proxy.rules) {
      if (rule.method !== incoming.method || !rule.path.test(path)) continue
      const n = (counts.get(rule) ?? 0) + 1
      counts.set(rule, n)
      if (rule.times !== 'always' && !rule.times.includes(n)) continue
      // Read the request body first, as a server would, then misbehave.
      incoming.resume()
      incoming.on('end', () => {
        if (rule.fault === 'drop') incoming.socket.destroy()
        else if (rule.fault === 'stall') stalled.push(outgoing)
        else {
          outgoing.writeHead(rule.fault.status, { 'content-type': 'application/xml' })
          outgoing.end(rule.fault.body ?? `<?xml version="1.0"?><Error><Code>${rule.fault.status === 503 ? 'SlowDown' : 'InternalError'}</Code></Error>`)
        }
      })
      return
    }
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
