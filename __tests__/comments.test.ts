import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildComment, commentMarker } from '../src/github/comment.js'
import type { RunReport } from '../src/report.js'
import { makeWorkspace, runAction } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { TestRepo } from './helpers/repo.js'

const MARKER = '<!-- live-update-action:com.example.liveupdate:app -->'
const TOKEN = 'ghs_' + 'T0k3n'.repeat(7)

describe('pull-request preview comments through the built action', () => {
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

  const pr = (action: string, runNumber = 5, edit: (payload: Record<string, any>) => void = () => undefined, cwd = workspace, inputs: Record<string, string> = {}) => {
    const payload = pullRequestPayload(action)
    edit(payload)
    return runAction({
      cwd,
      eventName: 'pull_request',
      ref: 'refs/pull/2/merge',
      payload,
      runNumber,
      inputs: { 'working-directory': 'app', 'github-token': TOKEN, 'registry-path': join(workspace, '.live-updates'), ...inputs },
      env: { GITHUB_API_URL: github.url }
    })
  }
  const ours = () => github.comments.filter((c) => c.body.startsWith(MARKER))

  it('has a GitHub stand-in that records an answer GitHub\'s OpenAPI description refuses', async () => {
    // A comment whose body is a number: the stand-in answers it as stored, which the description's schema refuses.
    await fetch(`${github.url}/repos/Codertocat/Hello-World/issues/2/comments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 42 }) })
    expect(github.invalid).toEqual([expect.stringMatching(/^POST \/repos\/\{owner\}\/\{repo\}\/issues\/\{issue_number\}\/comments 201: response does not match GitHub's OpenAPI description: data\/body must be string/)])
    github.invalid.length = 0
  })

  it('creates one comment on an opened pull request with the preview details', async () => {
    const result = await pr('opened')
    expect(result.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    const [comment] = ours()
    expect(result.outputs['comment-id']).toBe(String(comment.id))
    expect(comment.body).toContain('Published `1.0.0-pr.2.5` to channel `pr-2`')
    expect(comment.body).toContain(result.outputs.checksum)
    expect(comment.body).toContain('need the update endpoint in front of this registry')
    expect(comment.body).toContain('[Workflow run](https://github.com/Codertocat/Hello-World/actions/runs/1234)')
    expect(comment.body).toContain('**Can ship as a live update.** Published `1.0.0-pr.2.5` to channel `pr-2`')
    expect(result.stdout.replace(/::add-mask::.*\n/g, '') + result.summary).not.toContain(TOKEN)
  })

  it('with public-url and update-endpoint-url: real URLs in the pointer, each plugin\'s settings in the comment, no warning', async () => {
    const result = await pr('opened', 5, undefined, workspace, { 'public-url': 'https://cdn.example.com/updates', 'update-endpoint-url': 'https://updates.example.com' })
    expect(result.exitCode).toBe(0)
    const pointer = JSON.parse(readFileSync(join(workspace, '.live-updates/com.example.liveupdate/channels/pr-2.json'), 'utf8'))
    expect(pointer.url).toBe('https://cdn.example.com/updates/com.example.liveupdate/bundles/1.0.0-pr.2.5/bundle.zip')
    expect(result.outputs['bundle-url']).toBe(pointer.url)
    const body = ours()[0].body
    expect(body).toContain('"channelUrl": "https://updates.example.com/channel_self"')
    expect(body).toContain("await CapacitorUpdater.setChannel({ channel: 'pr-2' })")
    expect(body).toContain('"serverDomain": "updates.example.com"')
    expect(body).toContain("await LiveUpdate.sync({ channel: 'pr-2' })")
    expect(result.stdout).not.toMatch(/::warning::/)
    expect(body + result.summary).not.toContain('[!WARNING]')
  })

  it('without public-url: publishes, and warns in the log, the summary and the comment that devices cannot fetch file:// URLs', async () => {
    const result = await pr('opened')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.published).toBe('true')
    const bundleUrl = result.outputs['bundle-url']
    expect(bundleUrl).toMatch(/^file:\/\/\/.*\/com\.example\.liveupdate\/bundles\/1\.0\.0-pr\.2\.5\/bundle\.zip$/)
    expect(result.stdout).toContain(`::warning::The channel pointer names ${bundleUrl}, a file on this runner that no device can fetch: serve the registry folder (registry-path) over https, from a web server, a CDN or a bucket it is copied to, and set public-url to its address.`)
    for (const markdown of [result.summary, ours()[0].body]) {
      expect(markdown).toContain('> [!WARNING]\n> The channel pointer names file:')
      expect(markdown).toContain('set public\\-url to its address.')
    }
  })

  it('says what changed in the bundle against what production runs', async () => {
    const release = await runAction({
      cwd: workspace,
      eventName: 'push',
      ref: 'refs/tags/v1.0.0',
      payload: pushPayload('refs/tags/v1.0.0'),
      inputs: { 'working-directory': 'app', 'registry-path': join(workspace, '.live-updates') }
    })
    expect(release.exitCode).toBe(0)
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), `\nconsole.log(${JSON.stringify('x'.repeat(3000))})\n`)
    writeFileSync(join(workspace, 'app', 'src', 'checkout.html'), '<p>checkout</p>\n')
    const result = await pr('opened')
    expect(result.exitCode).toBe(0)
    const body = ours()[0].body
    expect(body).toMatch(/Published `1\.0\.0-pr\.2\.5` to channel `pr-2`: [\d.]+ KiB download, \+\d+ B against `production` \(`1\.0\.0`\), 2 files changed\./)
    expect(body).toMatch(/Against `production` \(`1\.0\.0`\), what its devices run now: 1 added, 1 changed, \d+ unchanged\./)
    expect(body).toMatch(/\| `app\.js` \| changed \| [\d.]+ KiB \| \+2\.9 KiB \|\n\| `checkout\.html` \| added \| 16 B \| \+16 B \|/)
    expect(result.stdout).toMatch(/Compare: against production 1\.0\.0: 2 file\(s\) changed/)
  })

  it('updates the same comment on synchronize, past more than one page of comments', async () => {
    for (let i = 0; i < 150; i++) github.addComment(2, `comment ${i}`)
    github.addComment(2, `${MARKER}\nsomeone quoting our marker`, 'someone', 'User')
    const first = await pr('opened', 5)
    const id = ours().find((c) => c.login === 'github-actions[bot]')!.id
    const second = await pr('synchronize', 6)
    expect(second.exitCode).toBe(0)
    const bots = ours().filter((c) => c.login === 'github-actions[bot]')
    expect(bots).toHaveLength(1)
    expect(bots[0].id).toBe(id)
    expect(bots[0].body).toContain('1.0.0-pr.2.6')
    expect(second.outputs['comment-id']).toBe(first.outputs['comment-id'])
    expect(github.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/issues/2/comments')).length).toBeGreaterThanOrEqual(4)
  })

  it('leaves exactly one comment when two runs of the pull request both create one', async () => {
    // Two runners, two checkouts, one registry and one pull request; neither sees the other's comment before creating its own.
    github.holdCreatesUntil = 2
    const otherCheckout = makeWorkspace()
    try {
      const [a, b] = await Promise.all([pr('synchronize', 8), pr('synchronize', 9, undefined, otherCheckout)])
      expect([a.exitCode, b.exitCode]).toEqual([0, 0])
      expect(github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues/2/comments'))).toHaveLength(2)
      expect(github.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/issues/comments/')).length).toBeGreaterThanOrEqual(1)
      expect(ours()).toHaveLength(1)
      expect([a.outputs['comment-id'], b.outputs['comment-id']]).toEqual([String(ours()[0].id), String(ours()[0].id)])
      expect(a.stdout + b.stdout).toMatch(/1 duplicate\(s\) removed/)
    } finally {
      rmSync(otherCheckout, { recursive: true, force: true })
    }
  })

  it('skips publishing for a fork with a notice, without failing', async () => {
    const result = await pr('opened', 5, (payload) => {
      payload.pull_request.head.repo.full_name = 'stranger/Hello-World'
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/::notice::Nothing was published: pull request #2 comes from a fork/)
    expect(result.outputs.published).toBe('false')
    expect(ours()[0].body).toContain('comes from a fork')
  })

  it('says the preview was removed when the pull request is closed', async () => {
    await pr('opened', 5)
    const result = await pr('closed', 6)
    expect(result.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    expect(ours()[0].body).toContain('The preview was removed: channel `pr-2` and its bundles (`1.0.0-pr.2.5`)')
  })

  it('makes no comment for a tag push: the summary and the production deployment only', async () => {
    const result = await runAction({
      cwd: workspace,
      eventName: 'push',
      ref: 'refs/tags/v1.0.0',
      payload: pushPayload('refs/tags/v1.0.0'),
      inputs: { 'working-directory': 'app', 'github-token': TOKEN },
      env: { GITHUB_API_URL: github.url }
    })
    expect(result.exitCode).toBe(0)
    expect(github.requests.filter((r) => !r.path.includes('/deployments'))).toEqual([])
    expect(result.summary).toContain('Published `1.0.0` to channel `production`')
  })

  it('keeps the publish when GitHub answers 403, naming the permission', async () => {
    github.denyComments = true
    const result = await pr('opened')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/::warning::GitHub refused to write the pull request comment \(HTTP 403\): give the workflow `permissions: pull-requests: write`/)
    expect(result.outputs).toMatchObject({ published: 'true', channel: 'pr-2', 'comment-id': '' })
    expect(result.summary).toContain('Published `1.0.0-pr.2.5` to channel `pr-2`')
  })
})

describe('an ineligible pull request, end to end', () => {
  it('leads the comment with "needs a store release" and says the step failed', async () => {
    const github = await startFakeGitHub()
    const repo = new TestRepo().capacitorApp()
    try {
      const base = repo.commit('base')
      repo.write('ios/App/Podfile', "platform :ios, '16.0'\n").commit('native change')
      const payload = pullRequestPayload('synchronize')
      payload.pull_request.base.sha = base
      const result = await runAction({
        cwd: repo.dir,
        eventName: 'pull_request',
        payload,
        inputs: { 'github-token': TOKEN },
        env: { GITHUB_API_URL: github.url }
      })
      expect(result.exitCode).toBe(1)
      const [comment] = github.comments
      expect(comment.body).toMatch(/## ⛔ Live update of `com.example.repo`\n\n\*\*Needs a store release\.\*\* The step failed and nothing was published/)
      expect(comment.body).toContain('- ios/App/Podfile changed')
      expect(result.outputs['comment-id']).toBe(String(comment.id))
      expect(github.invalid).toEqual([])
    } finally {
      repo.cleanup()
      await github.close()
    }
  })
})

describe('the comment body', () => {
  const report: RunReport = {
    appId: 'com.example.app',
    backend: 'folder',
    timings: [],
    target: { kind: 'publish', channel: 'pr-7', version: '1.0.0-pr.7.1', commit: 'abc', origin: 'pull request #7' },
    verdict: {
      eligible: false,
      reasons: Array.from({ length: 7 }, (_, i) => ({ message: `ios/App/File${i}.swift changed`, file: `ios/App/File${i}.swift` })),
      notes: [],
      fingerprint: 'ab'.repeat(32),
      nativeSources: [],
      framework: 'capacitor',
      baseline: { kind: 'pull-request-base', description: 'the pull request base' }
    },
    outcome: { kind: 'skipped', reason: 'the change needs a store release and on-native-change is skip' }
  }

  it('leads an ineligible change with "needs a store release", says what was done, and folds many reasons', () => {
    const body = buildComment(report, commentMarker('com.example.app', 'app'), new Date('2026-11-22T12:00:00Z'))
    const lines = body.split('\n')
    expect(lines[0]).toBe('<!-- live-update-action:com.example.app:app -->')
    expect(body.indexOf('Needs a store release')).toBeLessThan(body.indexOf('Nothing was published'))
    expect(body).toContain('Nothing was published (on-native-change: skip).')
    expect(body).toContain('<details><summary>7 reasons</summary>')
    expect(body).toContain('2026-11-22 12:00 UTC')
  })

  it('keeps the marker closed whatever the working directory says', () => {
    expect(commentMarker('a', 'x --> <script>')).toBe('<!-- live-update-action:a:x___script_ -->')
  })
})
