import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeWorkspace, runAction } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { readZip } from './helpers/zip.js'

const TOKEN = 'ghs_' + 'F0rkT0k3n'.repeat(4)
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** A pull_request payload from @octokit/webhooks-examples, opened from a fork. */
export function forkPullRequest(action: string, headSha: string): Record<string, any> {
  const payload = pullRequestPayload(action)
  payload.pull_request.head.repo.full_name = 'stranger/Hello-World'
  payload.pull_request.head.repo.owner.login = 'stranger'
  payload.pull_request.head.sha = headSha
  return payload
}

describe('mode pack in a fork pull request\'s own run', () => {
  let github: FakeGitHub
  let workspace: string
  beforeAll(async () => {
    github = await startFakeGitHub()
  })
  afterAll(() => github.close())
  beforeEach(() => {
    workspace = makeWorkspace()
    github.requests = []
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const pack = (payload: Record<string, any>, eventName = 'pull_request') =>
    runAction({
      cwd: workspace,
      eventName,
      ref: 'refs/pull/2/merge',
      payload,
      runNumber: 31,
      inputs: { mode: 'pack', 'working-directory': 'app', 'github-token': TOKEN },
      env: { GITHUB_API_URL: github.url }
    })
  const artifact = () => join(workspace, 'live-update-artifact')

  it('builds, checks and packs into the artifact folder, with no backend and no GitHub call', async () => {
    const result = await pack(forkPullRequest('opened', 'c'.repeat(40)))
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const metadata = JSON.parse(readFileSync(join(artifact(), 'live-update-pack.json'), 'utf8'))
    const bytes = readFileSync(join(artifact(), 'bundle.zip'))
    expect(metadata).toMatchObject({
      format: 'live-update-pack/1',
      pullRequest: 2,
      headSha: 'c'.repeat(40),
      closed: false,
      verdict: { eligible: true, reasons: [], framework: 'capacitor' },
      bundle: { file: 'bundle.zip', checksum: sha256(bytes), size: bytes.length, fileCount: 5 }
    })
    expect((await readZip(join(artifact(), 'bundle.zip'))).map((e) => e.name)).toContain('index.html')
    expect(result.outputs).toMatchObject({ published: 'false', checksum: sha256(bytes), eligible: 'true', channel: 'pr-2' })
    expect(result.stdout).toContain('::notice::Nothing was published: a pull request\'s own run does not publish; the bundle is packed in live-update-artifact')
    expect(existsSync(join(workspace, '.live-updates'))).toBe(false)
    expect(github.requests).toEqual([])
  })

  it('packs nothing for a closed pull request and says so in the metadata', async () => {
    const result = await pack(forkPullRequest('closed', 'd'.repeat(40)))
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(readFileSync(join(artifact(), 'live-update-pack.json'), 'utf8'))).toMatchObject({ pullRequest: 2, headSha: 'd'.repeat(40), closed: true })
    expect(existsSync(join(artifact(), 'bundle.zip'))).toBe(false)
    expect(result.stdout).not.toContain('::group::Build')
  })

  it('refuses to run outside a pull_request run, in one sentence', async () => {
    const result = await pack(pushPayload('refs/heads/main'), 'push')
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::Mode pack runs in the pull_request workflow of fork previews, and this is a push run: trigger that workflow with on: pull_request, or use mode publish here\.\n/)
    expect(existsSync(artifact())).toBe(false)
  })
})
