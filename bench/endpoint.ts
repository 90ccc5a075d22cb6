import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Row } from './measure.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const APP = 'com.example.liveupdate'

/** A registry of `channels` channels, each with a current release and ten earlier ones. */
function writeRegistry(dir: string, channels: number): void {
  mkdirSync(join(dir, APP, 'channels'), { recursive: true })
  const release = (version: string) => ({ version, url: `https://cdn.example/${APP}/bundles/${version}/bundle.zip`, checksum: 'a'.repeat(64), size: 1, nativeFingerprint: 'b'.repeat(64), publishedAt: '2026-12-01T00:00:00.000Z' })
  for (let channel = 0; channel < channels; channel++) {
    const previous = Array.from({ length: 10 }, (_, index) => release(`1.0.${9 - index}`))
    writeFileSync(join(dir, APP, 'channels', `c${channel}.json`), JSON.stringify({ ...release('1.1.0'), channel: `c${channel}`, commit: 'c'.repeat(40), previous }))
  }
}

/** Starts a server process and resolves with its URL once it prints one. */
export function startServer(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk) => {
      output += chunk
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output)
      if (match) resolve({ url: match[0], child })
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)))
  })
}

const BASELINE = `const body = JSON.stringify({ version: '1.1.0', url: 'https://cdn.example/b.zip', checksum: '${'a'.repeat(64)}' })
const server = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body) }) })
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port))`

/** `concurrency` clients sending requests back to back for `ms`: requests per second and p99 latency. */
async function load(url: string, body: (index: number) => string, ms: number, concurrency: number): Promise<{ rps: number; p99: number }> {
  const latencies: number[] = []
  let sent = 0
  const end = Date.now() + ms
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint()
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: body(sent++) })
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
      await response.arrayBuffer()
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort((a, b) => a - b)
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] }
}

/**
 * The Node server of the update endpoint (endpoint/dist/server.mjs, one process: one core)
 * answering Capgo update requests spread over `channels` channels, against a bare node:http
 * server answering a static JSON. Each side gets a warm-up, then `ms` of load.
 */
export async function benchEndpoint(workDir: string, channels: number, ms: number): Promise<Row[]> {
  const registry = join(workDir, 'endpoint-registry')
  writeRegistry(registry, channels)
  const fixture = JSON.parse(readFileSync(join(ROOT, '__tests__/fixtures/plugins/capgo-capacitor-updater-8.51.23/requests.android.json'), 'utf8'))
  const device = JSON.parse(fixture.requests.update.body)
  const update = (index: number) => JSON.stringify({ ...device, version_name: '1.0.0', defaultChannel: `c${index % channels}` })
  const concurrency = 16
  const measure = async (args: string[], path: string) => {
    const { url, child } = await startServer(args)
    try {
      await load(`${url}${path}`, update, 300, concurrency)
      return await load(`${url}${path}`, update, ms, concurrency)
    } finally {
      child.kill()
    }
  }
  const endpoint = await measure([join(ROOT, 'endpoint/dist/server.mjs'), '--registry', registry, '--port', '0'], '/updates')
  const baseline = await measure(['-e', BASELINE], '/')
  const note = `${channels} channels, ${concurrency} clients; baseline: bare node:http answering a static JSON`
  return [
    { stage: 'endpoint', measure: 'Capgo update requests/s, one process', unit: 'req/s', action: endpoint.rps, baseline: baseline.rps, ratio: endpoint.rps / baseline.rps, target: '', note },
    { stage: 'endpoint', measure: 'p99 latency', unit: 'ms', action: endpoint.p99, baseline: baseline.p99, ratio: endpoint.p99 / baseline.p99, target: '' }
  ]
}
