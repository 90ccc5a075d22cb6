/*
 * The update endpoint's rules over hand-written registries: native compatibility (a device
 * gets the newest release made for its native build, or no update), rollouts, closed
 * previews, and a clear answer to every bad input. Node server and Worker build alike.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Release } from '../src/registry/releases.js'
import type { ChannelPointer } from '../src/registry/types.js'
import { buildEndpoint, serveFolder, startNodeEndpoint, startWorkerEndpoint, type RunningEndpoint } from './helpers/endpoint.js'
import { CapawesomeDeviceClient, CapgoDeviceClient, capgoStatsBody, type Platform } from './helpers/plugins.js'

const APP = 'com.example.native'
const FINGERPRINT_1_0 = 'a'.repeat(64)
const FINGERPRINT_1_1 = 'b'.repeat(64)

function release(version: string, fingerprint: string, native: string, digit: string): Release {
  return {
    version, url: `https://cdn.example/${APP}/bundles/${version}/bundle.zip`, checksum: digit.repeat(64), size: 1000, nativeFingerprint: fingerprint,
    native: { android: { name: native, code: native.replace('.', '') }, ios: { name: native, code: native.replace('.', '') } }, publishedAt: '2026-12-01T00:00:00.000Z'
  }
}

function pointer(channel: string, current: Release, previous: Release[], extra: Partial<ChannelPointer> = {}): ChannelPointer {
  return { ...current, channel, commit: 'c'.repeat(40), previous, ...extra }
}

let root: string
let served: { url: string; close(): Promise<void> }
const write = (key: string, text: string) => {
  mkdirSync(dirname(join(root, key)), { recursive: true })
  writeFileSync(join(root, key), text)
}

const v100 = release('1.0.0', FINGERPRINT_1_0, '1.0', '1')
const v110 = release('1.1.0', FINGERPRINT_1_1, '1.1', '2')

beforeAll(async () => {
  await buildEndpoint()
  root = mkdtempSync(join(tmpdir(), 'endpoint-rules-'))
  // Published in this order: 1.0.0 for native 1.0, then 1.1.0 with new native code for native 1.1.
  write(`${APP}/channels/production.json`, JSON.stringify(pointer('production', v110, [v100])))
  // A rollout at 0 %: every device is answered as if 1.1.0 were not there, so native 1.1 gets 1.0.5.
  const v105 = release('1.0.5', FINGERPRINT_1_1, '1.1', '4')
  write(`${APP}/channels/staged.json`, JSON.stringify(pointer('staged', v110, [], { rollout: { percent: 0, replaces: v105 } })))
  write(`${APP}/channels/broken.json`, '{"version": "1.0.0", "url": ')
  write(`${APP}/channels/pr-3.json`, JSON.stringify(pointer('pr-3', release('1.2.0-pr.3.1', FINGERPRINT_1_1, '1.1', '3'), [])))
  write(`${APP}/closed-channels/pr-7.json`, JSON.stringify({ channel: 'pr-7', closedAt: '2026-12-01T00:00:00.000Z' }))
  served = await serveFolder(root)
}, 120_000)

afterAll(async () => {
  await served?.close()
  rmSync(root, { recursive: true, force: true })
})

const setups = [
  { name: 'the Node server over the folder', start: () => startNodeEndpoint({ registry: root, selfAssign: 'pr-*,staged' }) },
  { name: 'the Worker build over the folder\'s URL', start: () => startWorkerEndpoint({ registry: served.url, selfAssign: 'pr-*,staged' }) }
]

describe.each(setups)('$name', ({ start }) => {
  let endpoint: RunningEndpoint
  beforeAll(async () => {
    endpoint = await start()
  })
  afterAll(() => endpoint?.close())

  describe.each(['android', 'ios'] as Platform[])('native compatibility on %s', (platform) => {
    const capgo = (native: string, running = 'builtin') =>
      new CapgoDeviceClient(endpoint, platform, { app_id: APP, version_build: native, version_code: native.replace('.', ''), version_name: running })
    const capawesome = (native: string) => new CapawesomeDeviceClient(endpoint, platform, { appVersionName: native, appVersionCode: native.replace('.', '') })

    it('sends a device on native 1.0 the release made for it, and one on 1.1 the newest', async () => {
      expect(await capgo('1.0').update()).toMatchObject({ outcome: 'update', version: '1.0.0', checksum: v100.checksum })
      expect(await capgo('1.1').update()).toMatchObject({ outcome: 'update', version: '1.1.0', checksum: v110.checksum })
      expect((await capawesome('1.0').latestBundle(APP)).bundle).toMatchObject({ bundleId: '1.0.0', checksum: v100.checksum })
      expect((await capawesome('1.1').latestBundle(APP)).bundle).toMatchObject({ bundleId: '1.1.0', checksum: v110.checksum })
    })

    it('answers no update to a device on native 1.0 that runs its release, and to a native build no release names', async () => {
      expect(await capgo('1.0', '1.0.0').update()).toMatchObject({ outcome: 'up_to_date' })
      const unknown = await capgo('0.9').update()
      expect(unknown).toMatchObject({ outcome: 'up_to_date', error: 'no_new_version_available' })
      if (unknown.outcome !== 'update') expect(unknown.message).toContain('native version 0.9')
      const { bundle, answer } = await capawesome('0.9').latestBundle(APP)
      expect(bundle).toBeNull()
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'no_bundle_for_native_build' })
    })

    it('keeps devices outside a rollout on the release it replaces', async () => {
      expect(await capgo('1.1').with({ defaultChannel: 'staged' }).update()).toMatchObject({ outcome: 'update', version: '1.0.5' })
    })
  })

  describe('channels', () => {
    const device = (platform: Platform = 'android') => new CapgoDeviceClient(endpoint, platform, { app_id: APP, version_build: '1.1' })

    it('sends a device whose preview was closed back to the default channel', async () => {
      expect(await device().with({ defaultChannel: 'pr-7' }).update()).toMatchObject({ outcome: 'update', version: '1.1.0' })
      expect(endpoint.logs()).toContain('channel pr-7 was closed')
    })

    it('lets devices choose only the channels it is told to', async () => {
      expect(await device().setChannel('pr-3')).toMatchObject({ outcome: 'stored' })
      expect(await device('ios').setChannel('broken')).toMatchObject({ outcome: 'failed', error: 'channel_self_set_not_allowed' })
    })
  })

  describe('bad input gets an answer the plugin reports', () => {
    const device = (platform: Platform) => new CapgoDeviceClient(endpoint, platform, { app_id: APP, version_build: '1.1' })
    const both = ['android', 'ios'] as Platform[]

    it.each(both)('a body that is not JSON, not an object, or too large (%s)', async (platform) => {
      const bad = async (body: string) => JSON.parse((await device(platform).raw('/updates', body)).text)
      expect(await bad('{"app_id": ')).toMatchObject({ error: 'invalid_body', kind: 'failed' })
      expect(await bad('[1, 2]')).toMatchObject({ error: 'invalid_body', kind: 'failed' })
      expect(await bad(JSON.stringify({ app_id: APP, padding: 'x'.repeat(70_000) }))).toMatchObject({ error: 'body_too_large', kind: 'failed' })
      const answer = await device(platform).raw('/updates', '\u0000\u00ff')
      expect(answer.status).toBe(400)
    })

    it.each(both)('an app id that is missing, unsafe or unknown (%s)', async (platform) => {
      expect(await device(platform).with({ app_id: '../../etc' }).update()).toMatchObject({ outcome: 'failed', error: 'invalid_app_id', statusCode: 400 })
      const unknown = await device(platform).with({ app_id: 'com.example.unknown' }).update()
      expect(unknown).toMatchObject({ outcome: 'failed', error: 'channel_not_found', statusCode: 404 })
      if (unknown.outcome !== 'update') expect(unknown.message).toContain('com.example.unknown')
      const { bundle, answer } = await new CapawesomeDeviceClient(endpoint, platform, {}).latestBundle('com.example.unknown')
      expect(bundle).toBeNull()
      expect(answer.status).toBe(404)
    })

    it.each(both)('a pointer that does not parse (%s), logged with why', async (platform) => {
      expect(await device(platform).with({ defaultChannel: 'broken' }).update()).toMatchObject({ outcome: 'failed', error: 'channel_unreadable', statusCode: 502 })
      expect(endpoint.logs()).toContain(`the pointer ${APP}/channels/broken.json does not parse: it is not JSON`)
    })

    it('a full stats batch (200 events, the most the plugin queues) is accepted', async () => {
      const event = { ...JSON.parse(capgoStatsBody()), metadata: { reason: 'x'.repeat(200) } }
      const answer = await endpoint.send('/stats', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array(200).fill(event)) })
      expect(answer.status).toBe(200)
    })

    it('a method or path the plugins do not use', async () => {
      const get = await endpoint.send('/updates', { method: 'GET' })
      expect(get.status).toBe(405)
      expect(JSON.parse(get.text)).toMatchObject({ error: 'method_not_allowed' })
      const nowhere = await endpoint.send('/nowhere', { method: 'GET' })
      expect(nowhere.status).toBe(404)
      expect(JSON.parse(nowhere.text).message).toContain('/updates')
    })
  })
})

describe('a registry that cannot be reached', () => {
  // Nothing listens on port 9 of this machine.
  const unreachable = 'http://127.0.0.1:9/registry'
  it.each([
    ['the Node server', () => startNodeEndpoint({ registry: unreachable })],
    ['the Worker build', () => startWorkerEndpoint({ registry: unreachable })]
  ])('%s answers an error the plugins report, and logs why', async (_name, start) => {
    const endpoint = await start()
    try {
      const latest = await new CapgoDeviceClient(endpoint, 'android').update()
      expect(latest).toMatchObject({ outcome: 'failed', error: 'registry_unreachable', statusCode: 503 })
      const { bundle, answer } = await new CapawesomeDeviceClient(endpoint, 'ios').latestBundle()
      expect(bundle).toBeNull()
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'registry_unreachable' })
      expect(endpoint.logs()).toMatch(/registry http:\/\/127\.0\.0\.1:9\/registry unreachable for com\.example\.liveupdate\/production: GET \S+ failed/)
    } finally {
      await endpoint.close()
    }
  })
})
