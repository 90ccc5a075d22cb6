import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeWorkspace, runAction } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { pullRequestPayload } from './helpers/payloads.js'
import { S3_CREDENTIALS, startS3, type LocalS3 } from './helpers/s3.js'

const APP = 'com.example.liveupdate'
const TOKEN = 'ghs_' + 'Pr0neT0k3n'.repeat(4)
/** What GitHub writes to GITHUB_EVENT_PATH on schedule: only the cron line (octokit/webhooks#141; no example in @octokit/webhooks-examples). */
const SCHEDULE = { schedule: '17 3 * * *' }

describe('mode prune on the folder registry', () => {
  let github: FakeGitHub
  let workspace: string
  beforeAll(async () => { github = await startFakeGitHub() })
  afterAll(() => github.close())
  beforeEach(() => { workspace = makeWorkspace(); github.reset() })
  afterEach(() => { rmSync(workspace, { recursive: true, force: true }); expect(github.invalid).toEqual([]) })

  const registry = () => join(workspace, '.live-updates', APP)
  const pointerFile = (channel: string) => join(registry(), 'channels', `${channel}.json`)
  const preview = async (number: number) => {
    const payload = pullRequestPayload('opened')
    payload.number = number
    payload.pull_request.number = number
    const result = await runAction({ cwd: workspace, eventName: 'pull_request', payload, inputs: { 'working-directory': 'app', comment: 'false' }, env: { GITHUB_API_URL: github.url } })
    expect(result.exitCode).toBe(0)
  }
  const dispatch = async (channel: string, version: string) => {
    const result = await runAction({ cwd: workspace, eventName: 'workflow_dispatch', payload: {}, inputs: { 'working-directory': 'app', channel, version } })
    expect(result.exitCode).toBe(0)
  }
  const prune = (inputs: Record<string, string> = {}) =>
    runAction({ cwd: workspace, eventName: 'schedule', payload: SCHEDULE, inputs: { mode: 'prune', 'working-directory': 'app', 'github-token': TOKEN, ...inputs }, env: { GITHUB_API_URL: github.url } })
  const pr = (number: number, state: 'open' | 'closed') => ({ number, state, title: `PR ${number}`, headSha: String(number).repeat(40).slice(0, 40), headRef: `b${number}`, headOwner: 'Codertocat', labels: [] })

  it('removes closed and expired previews, keeps open ones, never touches other channels or a bundle production names', async () => {
    await preview(2)
    await preview(3)
    await preview(4)
    await dispatch('production', '1.0.0-pr.2.7')
    await dispatch('beta', '1.1.0-beta.1')
    await dispatch('pr-12-foo', '1.1.0-foo.1')
    const old = JSON.parse(readFileSync(pointerFile('pr-4'), 'utf8'))
    writeFileSync(pointerFile('pr-4'), JSON.stringify({ ...old, publishedAt: new Date(Date.now() - 30 * 86400000).toISOString() }))
    github.pullRequests = [pr(2, 'closed'), pr(3, 'open'), pr(4, 'open')]

    const result = await prune({ 'preview-ttl-days': '14' })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs['removed-channels'])).toEqual(['pr-2', 'pr-4'])
    expect(existsSync(pointerFile('pr-2'))).toBe(false)
    expect(existsSync(pointerFile('pr-4'))).toBe(false)
    expect(existsSync(join(registry(), 'bundles', '1.0.0-pr.4.7'))).toBe(false)
    for (const kept of ['pr-3', 'production', 'beta', 'pr-12-foo']) expect(existsSync(pointerFile(kept))).toBe(true)
    expect(existsSync(join(registry(), 'bundles', '1.0.0-pr.2.7', 'bundle.zip'))).toBe(true)
    expect(existsSync(join(registry(), 'closed-channels', 'pr-2.json'))).toBe(true)
    for (const stage of ['Channels', 'Pull requests', 'Prune']) expect(result.stdout).toContain(`::group::${stage}`)
    expect(result.summary).toContain('Pruned previews: removed `pr-2`, `pr-4`; kept 1.')
    expect(result.summary).toContain('Channels that are not previews, never touched: `beta`, `pr-12-foo`, `production`.')
    expect(github.requests.filter((r) => /\/pulls\/\d+$/.test(r.path)).map((r) => r.path).sort()).toEqual(['/repos/Codertocat/Hello-World/pulls/2', '/repos/Codertocat/Hello-World/pulls/3', '/repos/Codertocat/Hello-World/pulls/4'])
  })

  it('removes nothing when GitHub refuses to show a pull request, naming github-token and pull-requests: read', async () => {
    await preview(2)
    github.pullRequests = [pr(2, 'closed')]
    github.denyPullRequests = true
    const result = await prune()
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::GitHub refused to show pull request #2 of Codertocat/Hello-World (403) to the github-token, so no preview was removed: give the job permissions pull-requests: read')
    expect(existsSync(pointerFile('pr-2'))).toBe(true)
    expect(existsSync(join(registry(), 'closed-channels'))).toBe(false)
  })

  it('refuses a preview-ttl-days that is not a positive whole number', async () => {
    const result = await prune({ 'preview-ttl-days': '0' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::The preview-ttl-days input "0" is not a positive whole number')
  })
})

describe('mode prune on s3rver', () => {
  let github: FakeGitHub
  let s3: LocalS3
  let workspace: string
  beforeAll(async () => {
    ;[github, s3] = await Promise.all([startFakeGitHub(), startS3()])
    workspace = makeWorkspace()
  })
  afterAll(async () => {
    rmSync(workspace, { recursive: true, force: true })
    await Promise.all([github.close(), s3.close()])
  })
  const prefix = `prune-${process.pid}`
  const inputs = { 'working-directory': 'app', comment: 'false', backend: 's3', 's3-bucket': 'updates', 's3-prefix': prefix, 's3-access-key-id': S3_CREDENTIALS.accessKeyId, 's3-secret-access-key': S3_CREDENTIALS.secretAccessKey }
  const pointerStatus = async (channel: string) => (await fetch(`${s3.endpoint}/updates/${prefix}/${APP}/channels/${channel}.json`)).status

  it('removes the closed pull request\'s preview and keeps the open one', async () => {
    for (const number of [2, 3]) {
      const payload = pullRequestPayload('opened')
      payload.number = number
      payload.pull_request.number = number
      const published = await runAction({ cwd: workspace, eventName: 'pull_request', payload, inputs: { ...inputs, 's3-endpoint': s3.endpoint } })
      expect(published.exitCode).toBe(0)
    }
    github.pullRequests = [2, 3].map((number) => ({ number, state: number === 2 ? 'closed' as const : 'open' as const, title: `PR ${number}`, headSha: 'c'.repeat(40), headRef: `b${number}`, headOwner: 'Codertocat', labels: [] }))
    const result = await runAction({ cwd: workspace, eventName: 'schedule', payload: SCHEDULE, inputs: { ...inputs, 's3-endpoint': s3.endpoint, mode: 'prune', 'github-token': TOKEN }, env: { GITHUB_API_URL: github.url } })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs['removed-channels'])).toEqual(['pr-2'])
    expect(await pointerStatus('pr-2')).toBe(404)
    expect(await pointerStatus('pr-3')).toBe(200)
    expect(github.invalid).toEqual([])
  })
})
