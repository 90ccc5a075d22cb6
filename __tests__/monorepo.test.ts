import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeWorkspace, runAction } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { pullRequestPayload } from './helpers/payloads.js'

/** Two apps in one repository, built by two steps of one pull request (a matrix over working-directory). */
describe('a monorepo with two apps', () => {
  let github: FakeGitHub
  let workspace: string
  beforeAll(async () => {
    github = await startFakeGitHub()
    workspace = makeWorkspace()
    for (const [dir, appId] of [['apps/shop', 'com.example.shop'], ['apps/admin', 'com.example.admin']]) {
      cpSync(join(workspace, 'app'), join(workspace, dir), { recursive: true })
      const config = join(workspace, dir, 'capacitor.config.json')
      writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), appId }))
    }
  })
  afterAll(async () => {
    rmSync(workspace, { recursive: true, force: true })
    await github.close()
  })

  const step = (dir: string, action: string, runNumber: number) => runAction({
    cwd: workspace,
    eventName: 'pull_request',
    payload: pullRequestPayload(action),
    runNumber,
    inputs: { 'working-directory': dir, 'github-token': 'ghs_' + 'M'.repeat(36), 'registry-path': join(workspace, '.live-updates'), 'public-url': 'https://cdn.example.com' },
    env: { GITHUB_API_URL: github.url }
  })

  it('keeps one comment and one live deployment per app through opened, synchronize and closed', async () => {
    for (const [action, run] of [['opened', 1], ['synchronize', 2]] as const) {
      const results = await Promise.all([step('apps/shop', action, run), step('apps/admin', action, run)])
      expect(results.map((r) => r.exitCode)).toEqual([0, 0])
    }
    const titles = github.comments.map((c) => c.body.split('\n')[1]).sort()
    expect(titles).toEqual(['## ✅ Live update of `com.example.admin` in `apps/admin`', '## ✅ Live update of `com.example.shop` in `apps/shop`'])
    for (const comment of github.comments) expect(comment.body).toContain('-pr.2.2` to channel `pr-2`')

    const live = () => github.deployments.filter((d) => d.statuses.at(-1)?.state === 'success').map((d) => [d.environment, d.task, d.payload])
    expect(github.deployments).toHaveLength(4)
    expect(live()).toEqual(expect.arrayContaining([
      ['live-update/pr-2', 'deploy:live-update:com.example.shop', expect.objectContaining({ version: '1.0.0-pr.2.2' })],
      ['live-update/pr-2', 'deploy:live-update:com.example.admin', expect.objectContaining({ version: '1.0.0-pr.2.2' })]
    ]))
    expect(live()).toHaveLength(2)

    const closed = await Promise.all([step('apps/shop', 'closed', 3), step('apps/admin', 'closed', 3)])
    expect(closed.map((r) => r.exitCode)).toEqual([0, 0])
    expect(live()).toEqual([])
    expect(github.comments).toHaveLength(2)
    expect(github.invalid).toEqual([])
  })
})
