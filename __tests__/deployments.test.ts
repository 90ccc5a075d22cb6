import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeWorkspace, runAction } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'

const TOKEN = 'ghs_' + 'D3pl0y'.repeat(6)
const CDN = 'https://cdn.example.com/updates'

describe('GitHub deployments for previews and releases', () => {
  let github: FakeGitHub
  let workspace: string
  beforeAll(async () => {
    github = await startFakeGitHub()
  })
  afterAll(() => github.close())
  beforeEach(() => {
    workspace = makeWorkspace()
    github.reset()
  })
  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true })
    expect(github.invalid).toEqual([])
  })

  const inputs = () => ({ 'working-directory': 'app', 'github-token': TOKEN, 'registry-path': join(workspace, '.live-updates'), 'public-url': CDN })
  const pr = (action: string, runNumber: number, edit: (payload: Record<string, any>) => void = () => undefined) => {
    const payload = pullRequestPayload(action)
    edit(payload)
    return runAction({ cwd: workspace, eventName: 'pull_request', payload, runNumber, inputs: inputs(), env: { GITHUB_API_URL: github.url } })
  }
  const states = () => github.deployments.map((d) => d.statuses.map((s) => s.state))

  it('keeps one live deployment of live-update/pr-N across opened, synchronize and closed', async () => {
    const headSha = pullRequestPayload('opened').pull_request.head.sha
    expect((await pr('opened', 5)).exitCode).toBe(0)
    expect(github.deployments).toHaveLength(1)
    const [first] = github.deployments
    expect(first).toMatchObject({
      ref: headSha,
      environment: 'live-update/pr-2',
      task: 'deploy:live-update:com.example.liveupdate',
      transient_environment: true,
      production_environment: false,
      description: 'com.example.liveupdate 1.0.0-pr.2.5 on channel pr-2',
      payload: { appId: 'com.example.liveupdate', channel: 'pr-2', version: '1.0.0-pr.2.5' }
    })
    expect(first.statuses).toEqual([expect.objectContaining({
      state: 'success',
      environment_url: `${CDN}/com.example.liveupdate/bundles/1.0.0-pr.2.5/bundle.zip`,
      log_url: 'https://github.com/Codertocat/Hello-World/actions/runs/1234'
    })])

    const sync = await pr('synchronize', 6)
    expect(sync.exitCode).toBe(0)
    expect(states()).toEqual([['success', 'inactive'], ['success']])
    expect(sync.stdout).toContain('Deployments: deployment')
    expect(sync.stdout).toContain('1 earlier one(s) marked inactive')

    const closed = await pr('closed', 7)
    expect(closed.exitCode).toBe(0)
    expect(states()).toEqual([['success', 'inactive'], ['success', 'inactive']])
    expect(closed.stdout).toContain('Deployments: 1 deployment(s) of live-update/pr-2 marked inactive.')
  })

  it('creates a production deployment for a release tag', async () => {
    const result = await runAction({
      cwd: workspace, eventName: 'push', ref: 'refs/tags/v1.0.0', payload: pushPayload('refs/tags/v1.0.0'), sha: 'b'.repeat(40),
      inputs: inputs(), env: { GITHUB_API_URL: github.url }
    })
    expect(result.exitCode).toBe(0)
    expect(github.deployments).toEqual([expect.objectContaining({
      ref: 'b'.repeat(40), environment: 'live-update/production', transient_environment: false, production_environment: true
    })])
    expect(states()).toEqual([['success']])
  })

  it('makes no deployment for a branch push or a fork', async () => {
    await runAction({ cwd: workspace, eventName: 'push', ref: 'refs/heads/main', payload: pushPayload('refs/heads/main'), inputs: inputs(), env: { GITHUB_API_URL: github.url } })
    await pr('opened', 5, (payload) => {
      payload.pull_request.head.repo.full_name = 'stranger/Hello-World'
    })
    expect(github.deployments).toEqual([])
  })

  it('skips the deployment with a notice when the token lacks deployments: write, and still publishes and comments', async () => {
    github.denyDeployments = true
    const result = await pr('opened', 5)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('::notice::GitHub refused to record the deployment to live-update/pr-2 (HTTP 403): give the workflow `permissions: deployments: write`')
    expect(result.outputs.published).toBe('true')
    expect(github.comments).toHaveLength(1)
  })
})
