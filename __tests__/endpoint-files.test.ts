/*
 * Devices take only the files that changed: the built endpoint answers
 * @capgo/capacitor-updater (8.51.23) with a `manifest` over a registry the action wrote,
 * and a device fetches and checks each file as DownloadService.handleManifestDownload
 * does: by download_url, brotli-decoded when file_name ends in .br, against file_hash,
 * reusing every file whose hash it already holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { appendFileSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync } from 'node:zlib'
import { sha256 } from '../src/sha256.js'
import { makeWorkspace, runAction } from './helpers/action.js'
import { buildEndpoint, serveFolder, startNodeEndpoint, type RunningEndpoint } from './helpers/endpoint.js'
import { pushPayload } from './helpers/payloads.js'
import { CapgoDeviceClient, type CapgoManifestEntry } from './helpers/plugins.js'

const APP = 'com.example.liveupdate'

/** The plugin's cache: files by their hash, as DownloadService keeps them (hash_name). */
class DeviceFiles {
  readonly byHash = new Map<string, Buffer>()
  downloadedBytes = 0

  async take(manifest: CapgoManifestEntry[]): Promise<Map<string, Buffer>> {
    const bundle = new Map<string, Buffer>()
    for (const entry of manifest) {
      const target = entry.file_name.endsWith('.br') ? entry.file_name.slice(0, -3) : entry.file_name
      let bytes = this.byHash.get(entry.file_hash)
      if (!bytes) {
        const response = await fetch(entry.download_url)
        expect(response.status).toBe(200)
        const body = Buffer.from(await response.arrayBuffer())
        this.downloadedBytes += body.length
        bytes = entry.file_name.endsWith('.br') ? brotliDecompressSync(body) : body
        expect(sha256(bytes)).toBe(entry.file_hash)
        this.byHash.set(entry.file_hash, bytes)
      }
      bundle.set(target, bytes)
    }
    return bundle
  }
}

describe('file-by-file downloads through the update endpoint', () => {
  let workspace: string
  let folder: { url: string; close(): Promise<void> }
  let endpoint: RunningEndpoint
  const registry = () => join(workspace, '.live-updates')
  const publish = async (tag: string) => {
    const result = await runAction({ cwd: workspace, eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`), inputs: { 'working-directory': 'app', 'registry-path': registry(), 'public-url': folder.url, comment: 'false' } })
    expect(result.exitCode).toBe(0)
  }

  beforeAll(async () => {
    workspace = makeWorkspace()
    mkdirSync(join(workspace, '.live-updates'))
    folder = await serveFolder(join(workspace, '.live-updates'))
    await buildEndpoint()
    endpoint = await startNodeEndpoint({ registry: registry() })
  }, 120_000)
  afterAll(async () => {
    await endpoint?.close()
    await folder?.close()
    rmSync(workspace, { recursive: true, force: true })
  })

  it('sends the whole bundle file by file first, then only the changed file', async () => {
    await publish('v1.0.0')
    const device = new DeviceFiles()
    const first = await new CapgoDeviceClient(endpoint, 'android').with({ version_name: 'builtin' }).update()
    expect(first).toMatchObject({ outcome: 'update', version: '1.0.0' })
    if (first.outcome !== 'update' || !first.manifest) throw new Error('no manifest in the answer')
    const bundle = await device.take(first.manifest)
    expect(bundle.get('index.html')?.toString()).toContain('<html')
    const zipBytes = statSync(join(registry(), APP, 'bundles', '1.0.0', 'bundle.zip')).size
    expect(device.downloadedBytes).toBeLessThan(zipBytes * 1.5)

    device.downloadedBytes = 0
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    await publish('v1.0.1')
    const second = await new CapgoDeviceClient(endpoint, 'ios').with({ version_name: '1.0.0' }).update()
    if (second.outcome !== 'update' || !second.manifest) throw new Error('no manifest in the second answer')
    expect(second.version).toBe('1.0.1')
    const fetchedBefore = device.byHash.size
    const next = await device.take(second.manifest)
    expect(device.byHash.size - fetchedBefore).toBe(1)
    expect(next.get('app.js')?.toString()).toContain('one change')
    expect(device.downloadedBytes).toBeLessThan(zipBytes / 2)
  })
})
