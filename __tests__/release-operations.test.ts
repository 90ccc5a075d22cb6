import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Marked } from 'marked'
import { parse } from 'node-html-parser'
import { currentRelease } from '../src/registry/pointer.js'
import { inRollout, releaseFor } from '../src/registry/releases.js'
import type { ChannelPointer } from '../src/registry/types.js'
import { makeWorkspace, runAction, type ActionOptions, type ActionRun } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { examplePayload, pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { S3_CREDENTIALS, startS3, type LocalS3 } from './helpers/s3.js'
import { TestRepo } from './helpers/repo.js'

const APP = 'com.example.liveupdate'
const TOKEN = 'ghs_' + 'R3l34s3'.repeat(5)

/** The share of 10,000 device ids that a channel's pointer sends its current release. */
async function shareOf(pointer: ChannelPointer, ids: string[]): Promise<Set<string>> {
  const current = currentRelease(pointer)
  // All at once: each answer is a WebCrypto digest, and 10,000 of them awaited in turn take seconds.
  const releases = await Promise.all(ids.map((id) => releaseFor(current, pointer, { platform: 'android', versionName: '1.0', deviceId: id })))
  return new Set(ids.filter((_id, i) => releases[i]?.version === pointer.version))
}

const DEVICE_IDS = Array.from({ length: 10_000 }, (_, i) => `device-${i.toString(16).padStart(8, '0')}-${(i * 7919) % 10007}`)

describe('the rollout split on 10,000 device ids', () => {
  it('is within 1.5 points of the percentage, stable, and only grows as the percentage rises', async () => {
    let previous = new Set<string>()
    for (const percent of [1, 10, 25, 50, 90, 100]) {
      const answers = await Promise.all(DEVICE_IDS.map((id) => inRollout(id, '1.3.0', percent)))
      const reached = new Set(DEVICE_IDS.filter((_id, i) => answers[i]))
      expect(Math.abs((reached.size / DEVICE_IDS.length) * 100 - percent)).toBeLessThanOrEqual(1.5)
      // One expect for all ids (not one each, 17,600 in all): the same check, naming every id that left.
      expect([...previous].filter((id) => !reached.has(id))).toEqual([])
      const again = await Promise.all(DEVICE_IDS.slice(0, 500).map((id) => inRollout(id, '1.3.0', percent)))
      expect(again).toEqual(DEVICE_IDS.slice(0, 500).map((id) => reached.has(id)))
      previous = reached
    }
  })
})

/** Runs of the action on the example app: tags publish to production, dispatches run the release modes. */
function harness(runner: (options: ActionOptions) => Promise<ActionRun>, registryInputs: () => Record<string, string>) {
  let workspace = ''
  const setWorkspace = (dir: string) => (workspace = dir)
  const base = (inputs: Record<string, string>) => ({ 'working-directory': 'app', ...registryInputs(), ...inputs })
  const tag = (version: string, inputs: Record<string, string> = {}) =>
    runner({ cwd: workspace, eventName: 'push', ref: `refs/tags/v${version}`, payload: pushPayload(`refs/tags/v${version}`), inputs: base(inputs) })
  const dispatch = (inputs: Record<string, string>, env: Record<string, string> = {}) => {
    const payload = examplePayload('workflow_dispatch')
    return runner({ cwd: workspace, eventName: 'workflow_dispatch', ref: payload.ref, payload, inputs: base(inputs), env })
  }
  return { setWorkspace, tag, dispatch, workspace: () => workspace }
}

describe('promote, rollback and rollout on the folder registry', () => {
  let github: FakeGitHub
  beforeAll(async () => {
    github = await startFakeGitHub()
  })
  afterAll(() => github.close())
  const h = harness(runAction, () => ({ 'registry-path': join(h.workspace(), '.live-updates') }))
  beforeEach(() => {
    h.setWorkspace(makeWorkspace())
    github.reset()
  })
  afterEach(() => {
    rmSync(h.workspace(), { recursive: true, force: true })
    expect(github.invalid).toEqual([])
  })
  const registry = () => join(h.workspace(), '.live-updates', APP)
  const pointer = (channel = 'production'): ChannelPointer => JSON.parse(readFileSync(join(registry(), 'channels', `${channel}.json`), 'utf8'))
  const versions = () => readdirSync(join(registry(), 'bundles')).sort()

  it('promotes a tested preview to production with the same bytes, and tells its pull request', async () => {
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) expect((await h.tag(version)).exitCode).toBe(0)
    const app = join(h.workspace(), 'app', 'package.json')
    writeFileSync(app, readFileSync(app, 'utf8').replace('"version": "1.0.0"', '"version": "1.3.0"'))
    const preview = await runAction({ cwd: h.workspace(), eventName: 'pull_request', ref: 'refs/pull/2/merge', payload: pullRequestPayload('opened'), runNumber: 7,
      inputs: { 'working-directory': 'app', 'registry-path': join(h.workspace(), '.live-updates'), 'github-token': TOKEN }, env: { GITHUB_API_URL: github.url } })
    expect(preview.exitCode).toBe(0)
    const tested = pointer('pr-2')
    const stored = versions()

    const promoted = await h.dispatch({ mode: 'promote', from: 'pr-2', channel: 'production', 'github-token': TOKEN }, { GITHUB_API_URL: github.url })
    expect(promoted.exitCode).toBe(0)
    expect(promoted.outputs).toMatchObject({ channel: 'production', version: tested.version, 'previous-version': '1.2.0', rollout: '100', checksum: tested.checksum })
    expect(pointer()).toMatchObject({ version: tested.version, checksum: tested.checksum, url: tested.url, channel: 'production', promotedFrom: 'pr-2' })
    expect(pointer().previous.map((r) => r.version)).toEqual(['1.2.0', '1.1.0', '1.0.0'])
    expect(versions()).toEqual(stored)
    expect(promoted.summary).toContain('**Promoted** `1.3.0-pr.2.7` from `pr-2` to channel `production`, which had `1.2.0`')
    expect(promoted.summary).toContain('| Version | `1.2.0` → `1.3.0-pr.2.7` |')
    const told = github.comments.filter((c) => c.issue === 2 && c.body.includes('was promoted to `production` as `1.3.0-pr.2.7`'))
    expect(told).toHaveLength(1)
    // As GitHub shows it: GitHub-flavoured markdown, read by marked.
    const shown = parse(new Marked({ gfm: true }).parse(told[0].body, { async: false }) as string)
    expect(shown.querySelectorAll('code').map((c) => c.text)).toEqual(['1.3.0-pr.2.7', 'production', '1.3.0-pr.2.7'])

    // Closing the pull request later removes its preview, never the bundle production runs.
    const closed = await runAction({ cwd: h.workspace(), eventName: 'pull_request', ref: 'refs/pull/2/merge', payload: pullRequestPayload('closed'),
      inputs: { 'working-directory': 'app', 'registry-path': join(h.workspace(), '.live-updates'), comment: 'false' } })
    expect(closed.exitCode).toBe(0)
    expect(existsSync(join(registry(), 'bundles', tested.version, 'bundle.zip'))).toBe(true)
  })

  it('rolls back past two versions, says it moved backward, and refuses what is not in the history', async () => {
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) expect((await h.tag(version)).exitCode).toBe(0)
    const first = await h.dispatch({ mode: 'rollback', channel: 'production' })
    expect(first.exitCode).toBe(0)
    expect(first.outputs).toMatchObject({ version: '1.1.0', 'previous-version': '1.2.0' })
    expect(first.summary).toContain('**Rolled back** channel `production` from `1.2.0` to the older `1.1.0`')
    const second = await h.dispatch({ mode: 'rollback', channel: 'production' })
    expect(second.outputs).toMatchObject({ version: '1.0.0', 'previous-version': '1.1.0' })
    expect(pointer()).toMatchObject({ version: '1.0.0', rolledBackFrom: '1.1.0', previous: [] })

    const none = await h.dispatch({ mode: 'rollback', channel: 'production' })
    expect(none.exitCode).toBe(1)
    expect(none.stdout).toContain('::error::Channel production has no earlier release to roll back to (it has only ever had 1.0.0): promote or publish the version you want instead.')
    // A publish after a rollback moves forward again, past the versions it went back from.
    expect((await h.tag('1.3.0')).exitCode).toBe(0)
    const missing = await h.dispatch({ mode: 'rollback', channel: 'production', version: '9.9.9' })
    expect(missing.exitCode).toBe(1)
    expect(missing.stdout).toContain("The version input 9.9.9 is not in production's history (1.0.0): name one of those, or promote that version instead.")
    const named = await h.dispatch({ mode: 'rollback', channel: 'production', version: '1.0.0' })
    expect(named.outputs.version).toBe('1.0.0')
  })

  it('refuses a promote to a version that does not exist, or backward, and leaves the registry untouched', async () => {
    expect((await h.tag('1.0.0')).exitCode).toBe(0)
    expect((await h.tag('1.1.0')).exitCode).toBe(0)
    const before = readFileSync(join(registry(), 'channels', 'production.json'))
    const unknown = await h.dispatch({ mode: 'promote', from: 'pr-404', channel: 'production' })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stdout).toContain(`::error::The from input "pr-404" names no channel and no version of ${APP}`)
    const noFrom = await h.dispatch({ mode: 'promote', channel: 'production' })
    expect(noFrom.stdout).toContain('Mode promote needs the from input')
    expect((await h.dispatch({ mode: 'promote', from: '1.0.0', channel: 'beta' })).exitCode).toBe(0)
    const backward = await h.dispatch({ mode: 'promote', from: 'beta', channel: 'production' })
    expect(backward.exitCode).toBe(0)
    expect(backward.stdout).toContain('production stays on 1.1.0, which is newer: a promote moves a channel only forward (by semver); go back with mode rollback')
    expect(readFileSync(join(registry(), 'channels', 'production.json')).equals(before)).toBe(true)
  })

  it('rolls out 10 → 50 → 100 to a stable, growing share of devices', async () => {
    expect((await h.tag('1.0.0')).exitCode).toBe(0)
    const started = await h.tag('1.1.0', { rollout: '10' })
    expect(started.exitCode).toBe(0)
    expect(started.outputs).toMatchObject({ version: '1.1.0', rollout: '10', 'previous-version': '1.0.0' })
    expect(pointer().rollout).toMatchObject({ percent: 10, replaces: { version: '1.0.0' } })
    const ten = await shareOf(pointer(), DEVICE_IDS)
    expect(Math.abs(ten.size / 100 - 10)).toBeLessThanOrEqual(1.5)

    const fifty = await h.dispatch({ mode: 'rollout', channel: 'production', rollout: '50' })
    expect(fifty.exitCode).toBe(0)
    expect(fifty.summary).toContain('**Rollout** of `1.1.0` on `production`: 10 % → 50 % of devices; the others keep `1.0.0`.')
    const half = await shareOf(pointer(), DEVICE_IDS)
    expect(Math.abs(half.size / 100 - 50)).toBeLessThanOrEqual(1.5)
    expect([...ten].filter((id) => !half.has(id))).toEqual([])

    const lower = await h.dispatch({ mode: 'rollout', channel: 'production', rollout: '5' })
    expect(lower.exitCode).toBe(1)
    // The log escapes % as the runner's workflow commands do.
    expect(lower.stdout).toContain('The rollout input 5 is below the 50 %25 that 1.1.0 already reaches on production')
    const paused = await h.dispatch({ mode: 'rollout', channel: 'production', rollout: 'pause' })
    expect(paused.exitCode).toBe(0)
    expect(pointer().rollout).toMatchObject({ percent: 50, paused: true })
    expect(await shareOf(pointer(), DEVICE_IDS)).toEqual(half)

    const done = await h.dispatch({ mode: 'rollout', channel: 'production', rollout: '100' })
    expect(done.outputs.rollout).toBe('100')
    expect(pointer().rollout).toBeUndefined()
    expect((await shareOf(pointer(), DEVICE_IDS)).size).toBe(DEVICE_IDS.length)
    const again = await h.dispatch({ mode: 'rollout', channel: 'production', rollout: '60' })
    expect(again.stdout).toContain('Channel production has no rollout under way')
  })

  // The capgo backend's release operations and its refusal of a publish's rollout: __tests__/capgo.test.ts.
  it('refuses a rollout outside 1–100', async () => {
    const bad = await h.tag('1.0.0', { rollout: '150' })
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toContain('::error::The rollout input "150" is not a percentage of devices: use a whole number from 1 to 100.')
    expect(existsSync(registry())).toBe(false)
  })
})

describe('a promote refused by the eligibility check', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo().capacitorApp()
    repo.commit('store build 1.0')
  })
  afterEach(() => repo.cleanup())

  it('checks the bundle against the target channel\'s native build, and on-native-change applies', async () => {
    const registry = join(repo.dir, '.registry')
    const tag = (version: string) => runAction({ cwd: repo.dir, eventName: 'push', ref: `refs/tags/v${version}`, payload: pushPayload(`refs/tags/v${version}`), inputs: { 'registry-path': registry } })
    const dispatch = (inputs: Record<string, string>) => {
      const payload = examplePayload('workflow_dispatch')
      return runAction({ cwd: repo.dir, eventName: 'workflow_dispatch', ref: payload.ref, payload, inputs: { 'registry-path': registry, ...inputs } })
    }
    expect((await tag('1.0.0')).exitCode).toBe(0)
    repo.installPackage('@capacitor/geolocation', '6.1.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '6.0.0', '@capacitor/geolocation': '6.1.0' })
    repo.write('android/app/build.gradle', 'android {\n  defaultConfig {\n    versionCode 2\n    versionName "1.1"\n  }\n}\n').commit('geolocation, store build 1.1')
    expect((await dispatch({ channel: 'beta', version: '1.1.0', 'on-native-change': 'publish' })).exitCode).toBe(0)

    const production = () => readFileSync(join(registry, 'com.example.repo', 'channels', 'production.json'), 'utf8')
    const before = production()
    const refused = await dispatch({ mode: 'promote', from: 'beta', channel: 'production' })
    expect(refused.exitCode).toBe(1)
    expect(refused.stdout).toContain('::error title=Needs a store release,file=package.json::plugin added: @capacitor/geolocation 6.1.0')
    expect(refused.outputs).toMatchObject({ eligible: 'false', published: 'false' })
    expect(production()).toBe(before)

    const published = await dispatch({ mode: 'promote', from: 'beta', channel: 'production', 'on-native-change': 'publish' })
    expect(published.exitCode).toBe(0)
    expect(JSON.parse(production())).toMatchObject({ version: '1.1.0', native: { android: { name: '1.1' } }, previous: [{ version: '1.0.0', native: { android: { name: '1.0' } } }] })
  })
})

describe('release operations on s3rver', () => {
  let s3: LocalS3
  const prefix = `releases-${process.pid}`
  beforeAll(async () => {
    s3 = await startS3()
  })
  afterAll(() => s3.close())
  const h = harness(runAction, () => ({ backend: 's3', 's3-bucket': s3.bucket, 's3-prefix': prefix, 's3-endpoint': s3.endpoint, 's3-access-key-id': S3_CREDENTIALS.accessKeyId, 's3-secret-access-key': S3_CREDENTIALS.secretAccessKey }))
  beforeAll(() => {
    h.setWorkspace(makeWorkspace())
  })
  afterAll(() => rmSync(h.workspace(), { recursive: true, force: true }))
  const pointer = async (channel: string): Promise<ChannelPointer> => (await fetch(`${s3.endpoint}/${s3.bucket}/${prefix}/${APP}/channels/${channel}.json`)).json() as Promise<ChannelPointer>

  it('publishes with a rollout, raises it, promotes and rolls back', async () => {
    expect((await h.tag('1.0.0')).exitCode).toBe(0)
    expect((await h.tag('1.1.0', { rollout: '10' })).outputs.rollout).toBe('10')
    const raised = await h.dispatch({ mode: 'rollout', channel: 'production', rollout: '100' })
    expect(raised.exitCode).toBe(0)
    expect((await pointer('production')).rollout).toBeUndefined()
    const promoted = await h.dispatch({ mode: 'promote', from: '1.1.0', channel: 'beta' })
    expect(promoted.exitCode).toBe(0)
    expect(await pointer('beta')).toMatchObject({ version: '1.1.0', promotedFrom: 'version 1.1.0', checksum: (await pointer('production')).checksum })
    const back = await h.dispatch({ mode: 'rollback', channel: 'production' })
    expect(back.exitCode).toBe(0)
    expect(await pointer('production')).toMatchObject({ version: '1.0.0', rolledBackFrom: '1.1.0' })
  })
})
