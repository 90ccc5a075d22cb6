/*
 * Devices take only the files that changed, on @capawesome/capacitor-live-update (8.4.3): the
 * built endpoint answers `artifactType: manifest` over a registry the action wrote, and a device
 * downloads as downloadBundleOfTypeManifest does (helpers/plugins.ts): the manifest first, then
 * each file its running bundle's manifest lacks, each checked against its X-Checksum; the rest
 * copied from the running bundle at the same href.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '../src/sha256.js'
import { makeWorkspace, runAction } from './helpers/action.js'
import { buildEndpoint, serveFolder, startNodeEndpoint, startWorkerEndpoint, type RunningEndpoint } from './helpers/endpoint.js'
import { pushPayload } from './helpers/payloads.js'
import { testRsaPems } from './helpers/test-cache.js'
import { CAPAWESOME_MANIFEST_FILE, CapawesomeDeviceClient, type Platform } from './helpers/plugins.js'

const APP = 'com.example.liveupdate'
const PLATFORMS: Platform[] = ['android', 'ios']
/** A name each platform writes differently in the query: a space, a plus (OkHttp %2B, iOS as is), a folder. */
const ODD_NAME = 'assets/notes 1+1.txt'

describe('Capawesome manifest downloads through the update endpoint', () => {
  let workspace: string
  let folder: { url: string; close(): Promise<void> }
  let node: RunningEndpoint
  let worker: RunningEndpoint
  const registry = () => join(workspace, '.live-updates')
  const src = (path: string) => join(workspace, 'app', 'src', path)
  const publish = async (tag: string, inputs: Record<string, string> = {}) => {
    const result = await runAction({ cwd: workspace, eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`), inputs: { 'working-directory': 'app', 'registry-path': registry(), 'public-url': folder.url, comment: 'false', ...inputs } })
    expect(result.exitCode).toBe(0)
  }
  /** The published version's files, from its manifest in the registry. */
  const publishedFiles = (version: string): { path: string; sha256: string }[] => JSON.parse(readFileSync(join(registry(), APP, 'bundles', version, 'manifest.json'), 'utf8')).files
  /** The device holds exactly the published files, byte for byte, and the manifest it keeps. */
  const expectBundle = (files: Map<string, Buffer>, version: string) => {
    const published = publishedFiles(version)
    expect([...files.keys()].sort()).toEqual([...published.map((file) => file.path), CAPAWESOME_MANIFEST_FILE].sort())
    for (const file of published) expect({ path: file.path, sha256: sha256(files.get(file.path)!) }).toEqual({ path: file.path, sha256: file.sha256 })
  }
  const running: Partial<Record<Platform, Map<string, Buffer>>> = {}

  beforeAll(async () => {
    workspace = makeWorkspace()
    mkdirSync(join(workspace, '.live-updates'))
    writeFileSync(src(ODD_NAME), 'two\n')
    writeFileSync(src('config.json'), '{"mode":"custom"}\n')
    writeFileSync(src('config.default.json'), '{"mode":"default"}\n')
    folder = await serveFolder(registry())
    await buildEndpoint()
    ;[node, worker] = await Promise.all([startNodeEndpoint({ registry: registry() }), startWorkerEndpoint({ registry: folder.url })])
    await publish('v1.0.0')
  }, 120_000)
  afterAll(async () => {
    await node?.close()
    await worker?.close()
    await folder?.close()
    rmSync(workspace, { recursive: true, force: true })
  })

  describe('from the built-in bundle', () => {
    it.each(PLATFORMS)('%s gets artifactType manifest and downloads every file, each checked', async (platform) => {
      const device = new CapawesomeDeviceClient(node, platform)
      const { bundle } = await device.latestBundle()
      expect(bundle).toMatchObject({ artifactType: 'manifest', bundleId: '1.0.0', channelName: 'production', url: `${node.origin}/v1/apps/${APP}/bundles/1.0.0/files`, checksum: null, signature: null })
      const download = await device.downloadManifestBundle(bundle!)
      expectBundle(download.files, '1.0.0')
      expect(download.fetched.sort()).toEqual([...publishedFiles('1.0.0').map((file) => file.path), CAPAWESOME_MANIFEST_FILE].sort())
      expect(download.files.get(ODD_NAME)?.toString()).toBe('two\n')
      // Brotli on the wire (both HTTP stacks take br): about what the zip weighs, not the unpacked size.
      const zipBytes = statSync(join(registry(), APP, 'bundles', '1.0.0', 'bundle.zip')).size
      expect(download.wireBytes).toBeLessThan(zipBytes * 1.5)
      running[platform] = download.files
    })
  })

  describe('to the next release', () => {
    beforeAll(async () => {
      appendFileSync(src('app.js'), '\nconsole.log("one change")\n')
      // config.json now holds what config.default.json held: the running bundle has those bytes, at another path.
      writeFileSync(src('config.json'), '{"mode":"default"}\n')
      await publish('v1.0.1')
    }, 60_000)

    it.each(PLATFORMS)('%s fetches only what 1.0.1 changed, and never copies another file\'s bytes to a path', async (platform) => {
      const device = new CapawesomeDeviceClient(node, platform).with({ bundleId: '1.0.0' })
      const { bundle } = await device.latestBundle()
      expect(bundle).toMatchObject({ artifactType: 'manifest', bundleId: '1.0.1' })
      const download = await device.downloadManifestBundle(bundle!, running[platform])
      expect(download.fetched.sort()).toEqual(['app.js', CAPAWESOME_MANIFEST_FILE, 'config.json'])
      expectBundle(download.files, '1.0.1')
      expect(download.files.get('config.json')?.toString()).toBe('{"mode":"default"}\n')
    })
  })

  it('decodes a brotli-stored file for a client that does not take br, with the same X-Checksum', async () => {
    const file = publishedFiles('1.0.0').find((candidate) => candidate.path === 'index.html')!
    const url = `${node.origin}/v1/apps/${APP}/bundles/1.0.0/files?href=index.html`
    const plain = await node.getRaw(url, {})
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.headers.get('x-checksum')).toBe(file.sha256)
    expect(sha256(plain.bytes)).toBe(file.sha256)
    const br = await node.getRaw(url, { 'accept-encoding': 'gzip, br' })
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.bytes.length).toBeLessThan(plain.bytes.length)
  })

  it('answers bad file requests with 4xx JSON', async () => {
    const base = `/v1/apps/${APP}/bundles/1.0.0/files`
    const errorOf = async (path: string, method = 'GET') => {
      const answer = await node.send(path, { method })
      return { status: answer.status, error: JSON.parse(answer.text).error }
    }
    expect(await errorOf(base)).toEqual({ status: 400, error: 'invalid_href' })
    expect(await errorOf(`${base}?href=nothing.js`)).toEqual({ status: 404, error: 'file_not_found' })
    expect(await errorOf(`/v1/apps/${APP}/bundles/9.9.9/files?href=index.html`)).toEqual({ status: 404, error: 'bundle_not_found' })
    expect(await errorOf(`/v1/apps/${APP}/bundles/1..0/files?href=index.html`)).toEqual({ status: 400, error: 'invalid_version' })
    expect(await errorOf(`/v1/apps/${APP}/bundles/%E0%A4%A/files?href=index.html`)).toEqual({ status: 400, error: 'invalid_version' })
    expect(await errorOf(`${base}?href=index.html`, 'POST')).toEqual({ status: 405, error: 'method_not_allowed' })
  })

  it('answers the Worker build with the zip where its runtime has no brotli (Node 20 here), and serves no files', async () => {
    const device = new CapawesomeDeviceClient(worker, 'android')
    const { bundle } = await device.latestBundle()
    expect(bundle).toMatchObject({ artifactType: 'zip', url: expect.stringMatching(/\/bundle\.zip$/) })
    const files = await worker.send(`/v1/apps/${APP}/bundles/1.0.0/files?href=index.html`, { method: 'GET' })
    expect({ status: files.status, error: JSON.parse(files.text).error }).toEqual({ status: 404, error: 'files_not_served' })
  })

  it('sends a signed release as its zip: the plugin would want a signature on every file', async () => {
    const { privateKey } = testRsaPems(2048)
    await publish('v2.0.0', { channel: 'signed', 'signing-key': privateKey })
    const { bundle } = await new CapawesomeDeviceClient(node, 'ios').with({ channelName: 'signed' }).latestBundle()
    expect(bundle).toMatchObject({ artifactType: 'zip', bundleId: '2.0.0', signature: expect.any(String) })
  })
})
