/*
 * What a release costs a device and CI once files are content-addressed: the built action
 * (dist/index.js) publishes the bench bundle, then a one-file change (a 30 KB JS chunk),
 * then a release that changes 5 % of the files, to a folder registry behind a web server;
 * a device asks the built update endpoint as @capgo/capacitor-updater 8.51.23 asks
 * (the request of __tests__/fixtures/plugins) and fetches only the manifest's files whose
 * hash it does not hold, checking each as the plugin does; a second device asks as
 * @capawesome/capacitor-live-update 8.4.3 does on Android and downloads its
 * `artifactType: manifest` answer as downloadBundleOfTypeManifest does
 * (__tests__/helpers/plugins.ts). The same two publishes go to s3rver for CI's side.
 */
import { createHash } from 'node:crypto'
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliDecompressSync } from 'node:zlib'
import { endpointOverHttp } from '../__tests__/helpers/http-endpoint.js'
import { CapawesomeDeviceClient } from '../__tests__/helpers/plugins.js'
import { MB, runProcess, settleDisk, type Row } from './measure.js'
import { startServer } from './endpoint.js'
import { startS3rver } from './publish.js'
import { codeLikeText, Random } from './random.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const APP = 'com.example.bench'
const FIXTURE = join(ROOT, '__tests__', 'fixtures', 'plugins', 'capgo-capacitor-updater-8.51.23', 'requests.android.json')
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

interface ManifestEntry { file_name: string; file_hash: string; download_url: string }

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort()
}

/** One run of the built action on a tag push, publishing `version` of the app in `appDir`. */
async function publish(appDir: string, version: string, inputs: Record<string, string>): Promise<number> {
  const temp = join(appDir, '..', `run-${version}`)
  mkdirSync(temp, { recursive: true })
  const event = join(temp, 'event.json')
  writeFileSync(event, JSON.stringify({ ref: `refs/tags/v${version}` }))
  for (const name of ['output', 'summary']) writeFileSync(join(temp, name), '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: event, GITHUB_REF: `refs/tags/v${version}`,
    GITHUB_SHA: 'a'.repeat(40), GITHUB_RUN_NUMBER: '1', GITHUB_RUN_ID: '1', GITHUB_REPOSITORY: 'bench/app', GITHUB_OUTPUT: join(temp, 'output'),
    GITHUB_STEP_SUMMARY: join(temp, 'summary'), RUNNER_TEMP: temp, GITHUB_API_URL: 'http://127.0.0.1:9'
  }
  const all = { 'build-command': 'none', 'web-dir': 'www', 'app-id': APP, version, comment: 'false', ...inputs }
  for (const [name, value] of Object.entries(all)) env[`INPUT_${name.toUpperCase()}`] = value
  settleDisk()
  const run = await runProcess(process.execPath, [join(ROOT, 'dist', 'index.js')], { cwd: appDir, env })
  if (run.code !== 0) throw new Error(`the built action failed to publish ${version}:\n${run.stdout.slice(-3000)}${run.stderr}`)
  return run.ms
}

function serve(root: string): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    try {
      response.end(readFileSync(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))))
    } catch {
      response.writeHead(404).end()
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() })))
}

const startEndpoint = (registry: string) =>
  startServer([join(ROOT, 'endpoint', 'dist', 'server.mjs'), '--registry', registry, '--port', '0', '--host', '127.0.0.1', '--cache-seconds', '0'])

/** The plugin's cache of files by hash, and the bytes it fetched for the last release. */
class Device {
  private readonly held = new Set<string>()
  constructor(private readonly endpoint: string) {}

  async update(runningVersion: string): Promise<{ version: string; fetchedBytes: number; zipUrl: string }> {
    const request = JSON.parse(readFileSync(FIXTURE, 'utf8')).requests.update as { headers: Record<string, string>; body: string }
    const body = { ...JSON.parse(request.body), app_id: APP, version_name: runningVersion, defaultChannel: '' }
    const answer = await (await fetch(`${this.endpoint}/updates`, { method: 'POST', headers: request.headers, body: JSON.stringify(body) })).json() as { version: string; url: string; manifest?: ManifestEntry[] }
    if (!answer.manifest) throw new Error(`the endpoint answered without a manifest: ${JSON.stringify(answer).slice(0, 300)}`)
    let fetchedBytes = 0
    for (const entry of answer.manifest) {
      if (this.held.has(entry.file_hash)) continue
      const bytes = Buffer.from(await (await fetch(entry.download_url)).arrayBuffer())
      fetchedBytes += bytes.length
      const decoded = entry.file_name.endsWith('.br') ? brotliDecompressSync(bytes) : bytes
      if (sha256(decoded) !== entry.file_hash) throw new Error(`${entry.file_name} does not match its file_hash`)
      this.held.add(entry.file_hash)
    }
    return { version: answer.version, fetchedBytes, zipUrl: answer.url }
  }
}

/** A @capawesome/capacitor-live-update device on Android: the files of the bundle it runs, and the bytes on the wire of its last update. */
class CapawesomeDevice {
  private running: Map<string, Buffer> | undefined
  private readonly client: CapawesomeDeviceClient

  constructor(endpoint: string) {
    this.client = new CapawesomeDeviceClient({ ...endpointOverHttp(endpoint), logs: () => '', close: async () => undefined }, 'android')
  }

  async update(runningVersion: string | undefined): Promise<{ version: string; fetchedBytes: number }> {
    const { bundle, answer } = await this.client.with(runningVersion ? { bundleId: runningVersion } : {}).latestBundle(APP)
    if (bundle?.artifactType !== 'manifest') throw new Error(`the endpoint answered without a manifest: HTTP ${answer.status} ${answer.text.slice(0, 300)}`)
    const download = await this.client.downloadManifestBundle(bundle, this.running)
    this.running = download.files
    return { version: bundle.bundleId, fetchedBytes: download.wireBytes }
  }
}

function changeOneChunk(www: string, random: Random): void {
  const chunk = filesUnder(www).find((path) => path.endsWith('.js'))
  if (!chunk) throw new Error('the bench bundle has no .js file')
  writeFileSync(join(www, chunk), codeLikeText(random, 30 * 1024))
}

function changeShare(www: string, share: number): number {
  const files = filesUnder(www)
  const step = Math.round(1 / share)
  let changed = 0
  for (let index = 0; index < files.length; index += step, changed++) writeFileSync(join(www, files[index]), Buffer.concat([readFileSync(join(www, files[index])), Buffer.from(`\n/* release ${index} */\n`)]))
  return changed
}

export async function benchDelta(webDir: string, workDir: string): Promise<Row[]> {
  const appDir = join(workDir, 'delta-app')
  const www = join(appDir, 'www')
  mkdirSync(appDir, { recursive: true })
  cpSync(webDir, www, { recursive: true })
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true }))
  writeFileSync(join(appDir, 'capacitor.config.json'), JSON.stringify({ appId: APP, appName: 'Bench', webDir: 'www' }))
  const registry = join(workDir, 'delta-registry')
  mkdirSync(registry, { recursive: true })
  const files = await serve(registry)
  const endpoint = await startEndpoint(registry)
  const s3 = await startS3rver(join(workDir, 'delta-s3rver'))
  const s3Inputs = {
    backend: 's3', 's3-bucket': s3.target.bucket, 's3-endpoint': s3.target.endpoint, 's3-region': s3.target.region,
    's3-access-key-id': s3.target.accessKeyId, 's3-secret-access-key': s3.target.secretAccessKey
  }
  const folderInputs = { 'registry-path': registry, 'public-url': files.url }
  try {
    const random = new Random(7)
    const device = new Device(endpoint.url)
    const capawesome = new CapawesomeDevice(endpoint.url)
    await publish(appDir, '1.0.0', folderInputs)
    await publish(appDir, '1.0.0', { ...s3Inputs, 's3-prefix': 'whole' })
    await device.update('builtin')
    await capawesome.update(undefined)

    changeOneChunk(www, random)
    await publish(appDir, '1.0.1', folderInputs)
    const oneFileMs = await publish(appDir, '1.0.1', { ...s3Inputs, 's3-prefix': 'whole' })
    const wholeAgainMs = await publish(appDir, '1.0.1', { ...s3Inputs, 's3-prefix': 'again' })
    const oneFile = await device.update('1.0.0')
    const capawesomeOneFile = await capawesome.update('1.0.0')
    const zip1 = statSync(join(registry, APP, 'bundles', '1.0.1', 'bundle.zip')).size

    const changed = changeShare(www, 0.05)
    await publish(appDir, '1.0.2', folderInputs)
    const share = await device.update('1.0.1')
    const capawesomeShare = await capawesome.update('1.0.1')
    const zip2 = statSync(join(registry, APP, 'bundles', '1.0.2', 'bundle.zip')).size
    const capawesomeNote = '@capawesome/capacitor-live-update, Android: its manifest file too, bytes on the wire (brotli)'
    return [
      {
        stage: 'delta', measure: 'device download, one-file change (30 KB JS)', unit: 'MB', action: oneFile.fetchedBytes / MB, baseline: zip1 / MB,
        ratio: oneFile.fetchedBytes / zip1, target: '≤ 1 % of the archive', met: oneFile.fetchedBytes / zip1 <= 0.01, note: 'baseline: the whole archive'
      },
      {
        stage: 'delta', measure: `device download, ${changed} files (5 %) changed`, unit: 'MB', action: share.fetchedBytes / MB, baseline: zip2 / MB,
        ratio: share.fetchedBytes / zip2, target: '≤ 10 % of the archive', met: share.fetchedBytes / zip2 <= 0.1, note: 'baseline: the whole archive'
      },
      {
        stage: 'delta', measure: 'the same, Capawesome device, one-file change', unit: 'MB', action: capawesomeOneFile.fetchedBytes / MB, baseline: zip1 / MB,
        ratio: capawesomeOneFile.fetchedBytes / zip1, target: '≤ 1 % of the archive', met: capawesomeOneFile.fetchedBytes / zip1 <= 0.01, note: capawesomeNote
      },
      {
        stage: 'delta', measure: `the same, Capawesome device, ${changed} files (5 %) changed`, unit: 'MB', action: capawesomeShare.fetchedBytes / MB, baseline: zip2 / MB,
        ratio: capawesomeShare.fetchedBytes / zip2, target: '≤ 10 % of the archive', met: capawesomeShare.fetchedBytes / zip2 <= 0.1, note: capawesomeNote
      },
      {
        stage: 'delta', measure: 'publish of the one-file change to s3rver', unit: 'ms', action: oneFileMs, baseline: wholeAgainMs,
        ratio: oneFileMs / wholeAgainMs, target: '≤ 0.15 × publishing the whole bundle again', met: oneFileMs / wholeAgainMs <= 0.15,
        note: 'the built action, whole runs; baseline: the same release to an empty prefix'
      }
    ]
  } finally {
    files.close()
    endpoint.child.kill()
    s3.child.kill()
  }
}
