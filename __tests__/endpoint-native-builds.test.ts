/*
 * Issue scenario, end to end: the action (src, in-process) publishes 1.0.0 for native build 1.0, then a
 * native change with the native version bumped to 1.1 as 1.1.0 (on-native-change: publish),
 * then a web-only 1.1.1 and a 1.2.0 rolled out to a share of devices; the built endpoint answers
 * devices of each plugin, by their own request shapes, with the bundle made for their build.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { runAction } from './helpers/action.js'
import { buildEndpoint, serveFolder, startNodeEndpoint, type RunningEndpoint } from './helpers/endpoint.js'
import { nativeApp } from './helpers/native-project.js'
import { pushPayload } from './helpers/payloads.js'
import { CapawesomeDeviceClient, CapgoDeviceClient, type Platform } from './helpers/plugins.js'
import { TestRepo } from './helpers/repo.js'

const APP = 'com.example.repo'
let repo: TestRepo
let folder: { url: string; close(): Promise<void> }
let endpoint: RunningEndpoint

async function tag(version: string, inputs: Record<string, string> = {}): Promise<void> {
  const run = await runAction({ cwd: repo.dir, eventName: 'push', ref: `refs/tags/v${version}`, payload: pushPayload(`refs/tags/v${version}`),
    inputs: { 'registry-path': join(repo.dir, '.registry'), 'public-url': folder.url, ...inputs } })
  if (run.exitCode !== 0) throw new Error(`v${version} failed:\n${run.stdout}${run.stderr}`)
}

beforeAll(async () => {
  await buildEndpoint()
  repo = nativeApp(new TestRepo().capacitorApp(), '1.0', 1)
  repo.commit('store build 1.0')
  folder = await serveFolder(join(repo.dir, '.registry'))
  await tag('1.0.0')
  repo.installPackage('@capacitor/geolocation', '6.1.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '6.0.0', '@capacitor/geolocation': '6.1.0' })
  nativeApp(repo, '1.1', 2).commit('geolocation, store build 1.1')
  await tag('1.1.0', { 'on-native-change': 'publish' })
  endpoint = await startNodeEndpoint({ registry: join(repo.dir, '.registry') })
}, 300_000)

afterAll(async () => {
  await endpoint?.close()
  await folder?.close()
  repo?.cleanup()
})

const capgo = (platform: Platform, build: string, code: string, deviceId = 'a1b2c3d4-0000-4000-8000-000000000001') =>
  new CapgoDeviceClient(endpoint, platform, { app_id: APP, version_build: build, version_code: code, version_name: 'builtin', device_id: deviceId })
const capawesome = (platform: Platform, build: string, code: string) =>
  new CapawesomeDeviceClient(endpoint, platform, { appVersionName: build, appVersionCode: code, channelName: 'production' })

describe('devices get the bundle made for their native build', () => {
  it.each(['android', 'ios'] as const)('@capgo/capacitor-updater on %s', async (platform) => {
    expect(await capgo(platform, '1.0', '1').update()).toMatchObject({ outcome: 'update', version: '1.0.0' })
    expect(await capgo(platform, '1.1', '2').update()).toMatchObject({ outcome: 'update', version: '1.1.0' })
    expect(await capgo(platform, '0.9', '0').update()).toMatchObject({ outcome: 'up_to_date' })
  })

  it.each(['android', 'ios'] as const)('@capawesome/capacitor-live-update on %s', async (platform) => {
    expect((await capawesome(platform, '1.0', '1').latestBundle(APP)).bundle).toMatchObject({ bundleId: '1.0.0' })
    expect((await capawesome(platform, '1.1', '2').latestBundle(APP)).bundle).toMatchObject({ bundleId: '1.1.0' })
    expect((await capawesome(platform, '0.9', '0').latestBundle(APP)).bundle).toBeNull()
  })

  it('keeps 1.0 devices on 1.0.0 after a web-only 1.1.1, and sends a 1.2.0 rollout to its share of 1.1 devices only', async () => {
    repo.write('src/main.js', 'console.log("fix")\n').commit('web fix')
    await tag('1.1.1')
    expect(await capgo('android', '1.0', '1').update()).toMatchObject({ version: '1.0.0' })
    expect(await capgo('android', '1.1', '2').update()).toMatchObject({ version: '1.1.1' })

    repo.write('src/main.js', 'console.log("feature")\n').commit('web feature')
    await tag('1.2.0', { rollout: '30' })
    const ids = Array.from({ length: 400 }, (_, i) => `0000${i.toString(16)}-5a69-4788-9a0b-1c2d3e4f5a6b`)
    const answers = await Promise.all(ids.map(async (id) => ((await capgo('android', '1.1', '2', id).update()) as { version?: string }).version))
    const reached = answers.filter((version) => version === '1.2.0').length
    expect(answers.every((version) => version === '1.2.0' || version === '1.1.1')).toBe(true)
    // 30 % of 400 devices, give or take what 400 draws allow.
    expect(reached).toBeGreaterThan(80)
    expect(reached).toBeLessThan(160)
    expect(await capgo('android', '1.0', '1', ids[0]).update()).toMatchObject({ version: '1.0.0' })
  })
})
