/*
 * The update endpoint's built entries over registries the action (src, in-process) wrote (folder behind
 * a web server, and s3rver through its public URL), driven by requests shaped like the
 * plugins' own (fixtures from their native sources) and answers parsed as the plugins do.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeWorkspace, runAction, type ActionOptions } from './helpers/action.js'
import { buildEndpoint, serveFolder, startNodeEndpoint, startWorkerEndpoint, type RunningEndpoint } from './helpers/endpoint.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { CapawesomeDeviceClient, CapgoDeviceClient, type Platform } from './helpers/plugins.js'
import { S3_CREDENTIALS, startS3, type LocalS3 } from './helpers/s3.js'

const APP = 'com.example.liveupdate'
const PR = pullRequestPayload('opened').number as number
const PREVIEW = `pr-${PR}`
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

interface Published { production: string; preview: string }

/** The action publishes v1.0.0 to production and the pull request's preview, with these backend inputs. */
async function publishBoth(inputs: Record<string, string>): Promise<Published> {
  const workspace = makeWorkspace()
  try {
    const run = async (options: Omit<ActionOptions, 'cwd' | 'inputs'>) => {
      const result = await runAction({ cwd: workspace, inputs: { 'working-directory': 'app', comment: 'false', ...inputs }, ...options })
      if (result.exitCode !== 0) throw new Error(`publish failed:\n${result.stdout}${result.stderr}`)
      return result.outputs.version
    }
    const production = await run({ eventName: 'push', ref: 'refs/tags/v1.0.0', payload: pushPayload('refs/tags/v1.0.0') })
    const preview = await run({ eventName: 'pull_request', ref: `refs/pull/${PR}/merge`, payload: pullRequestPayload('opened'), runNumber: 4 })
    return { production, preview }
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

let s3: LocalS3
let folder: { url: string; close(): Promise<void> }
let registryDir: string
const published: Record<'folder' | 's3', Published> = {} as never
const s3Base = () => `${s3.endpoint}/${s3.bucket}/endpoint`

beforeAll(async () => {
  await buildEndpoint()
  registryDir = mkdtempSync(join(tmpdir(), 'endpoint-registry-'))
  folder = await serveFolder(registryDir)
  s3 = await startS3()
  published.folder = await publishBoth({ backend: 'folder', 'registry-path': registryDir, 'public-url': folder.url })
  published.s3 = await publishBoth({
    backend: 's3', 's3-bucket': s3.bucket, 's3-prefix': 'endpoint', 's3-endpoint': s3.endpoint,
    's3-access-key-id': S3_CREDENTIALS.accessKeyId, 's3-secret-access-key': S3_CREDENTIALS.secretAccessKey, 'public-url': s3Base()
  })
}, 300_000)

afterAll(async () => {
  await folder?.close()
  await s3?.close()
  rmSync(registryDir, { recursive: true, force: true })
})

const setups = [
  // `files`: the Node server decodes brotli (node:zlib), so Capawesome gets the manifest artifact; the Worker build on Node 20 cannot, so the zip.
  { name: 'the Node server over the folder registry', registry: 'folder' as const, start: () => startNodeEndpoint({ registry: registryDir }), lists: true, files: true },
  { name: 'the Node server over s3rver\'s public URL', registry: 's3' as const, start: () => startNodeEndpoint({ registry: s3Base() }), lists: false, files: true },
  { name: 'the Worker build over s3rver\'s public URL', registry: 's3' as const, start: () => startWorkerEndpoint({ registry: s3Base() }), lists: false, files: false }
]

describe.each(setups)('$name', ({ registry, start, lists, files }) => {
  let endpoint: RunningEndpoint
  beforeAll(async () => {
    endpoint = await start()
  })
  afterAll(() => endpoint?.close())
  const versions = () => published[registry]

  /** Downloads the bundle as the plugin does and checks it against the checksum it was given. */
  async function expectDownloadable(url: string, checksum: string) {
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(checksum)
  }

  describe.each(['android', 'ios'] as Platform[])('@capgo/capacitor-updater 8.51.23 on %s', (platform) => {
    const device = () => new CapgoDeviceClient(endpoint, platform)

    it('sends a device on the built-in bundle the production release, which downloads whole', async () => {
      const latest = await device().update()
      expect(latest).toMatchObject({ outcome: 'update', version: versions().production })
      if (latest.outcome === 'update') await expectDownloadable(latest.url, latest.checksum)
    })

    it('answers up_to_date to a device that runs the current release', async () => {
      const latest = await device().with({ version_name: versions().production }).update()
      expect(latest).toMatchObject({ outcome: 'up_to_date', error: 'no_new_version_available' })
    })

    it('puts a device on the preview channel and back: set, get, update, set production', async () => {
      const set = await device().setChannel(PREVIEW)
      expect(set).toMatchObject({ outcome: 'stored', status: 'ok' })
      // The plugin now sends the channel it stored as defaultChannel.
      const onPreview = device().with({ defaultChannel: PREVIEW })
      expect(await onPreview.getChannel()).toMatchObject({ channel: PREVIEW, status: 'self', statusCode: 200 })
      const latest = await onPreview.update()
      expect(latest).toMatchObject({ outcome: 'update', version: versions().preview })
      if (latest.outcome === 'update') await expectDownloadable(latest.url, latest.checksum)
      expect(await onPreview.setChannel('production')).toMatchObject({ outcome: 'unset' })
    })

    it('refuses a channel that has no pointer, and the device keeps its own', async () => {
      expect(await device().setChannel('pr-99999')).toMatchObject({ outcome: 'failed', error: 'channel_not_found' })
      expect(await device().with({ defaultChannel: 'pr-99999' }).update()).toMatchObject({ outcome: 'failed', error: 'channel_not_found', statusCode: 404 })
    })

    it('lists the channels a device may choose, with numeric ids', async () => {
      const listed = await device().listChannels()
      if ('error' in listed) throw new Error(listed.error)
      const names = listed.channels.map((channel) => channel.name)
      expect(names).toEqual(lists ? expect.arrayContaining(['production', PREVIEW]) : ['production'])
      expect(listed.channels.find((channel) => channel.name === 'production')).toMatchObject({ public: true, allow_self_set: true })
      expect(new Set(listed.channels.map((channel) => channel.id)).size).toBe(listed.channels.length)
    })

    it('accepts stats batches and single events, and logs them', async () => {
      expect((await device().stats()).status).toBe(200)
      if (platform === 'android') expect((await device().stats('statsRateLimit')).status).toBe(200)
      expect(endpoint.logs()).toMatch(new RegExp(`stats ${APP.replace(/\./g, '\\.')} ${platform} device=\\S+ action=set version=1\\.0\\.0`))
    })
  })

  describe.each(['android', 'ios'] as Platform[])('@capawesome/capacitor-live-update 8.4.3 on %s', (platform) => {
    const device = () => new CapawesomeDeviceClient(endpoint, platform)

    it('gets the latest bundle of production: its files, each with the sha256 the plugin checks, or the zip', async () => {
      const { bundle } = await device().latestBundle()
      expect(bundle).toMatchObject({ artifactType: files ? 'manifest' : 'zip', bundleId: versions().production, channelName: 'production', signature: null })
      if (!files) return expectDownloadable(bundle!.url, bundle!.checksum!)
      const download = await device().downloadManifestBundle(bundle!)
      expect(download.files.get('index.html')?.toString()).toContain('<html')
    })

    it('gets the preview of the channel it names', async () => {
      const { bundle } = await device().with({ channelName: PREVIEW }).latestBundle()
      expect(bundle).toMatchObject({ bundleId: versions().preview, channelName: PREVIEW })
    })

    it('gets no update (a 404 the plugin logs) for a channel that does not exist', async () => {
      const { bundle, answer } = await device().with({ channelName: 'nightly' }).latestBundle()
      expect(bundle).toBeNull()
      expect(answer.status).toBe(404)
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'channel_not_found' })
    })

    it('lists the channels', async () => {
      expect(await device().channels()).toEqual(expect.arrayContaining([{ id: 'production', name: 'production' }]))
    })
  })
})
