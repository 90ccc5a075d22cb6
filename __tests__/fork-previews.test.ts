import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeWorkspace, runAction, runBuiltAction } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { examplePayload, pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { readZip } from './helpers/zip.js'

const TOKEN = 'ghs_' + 'Tru5tedT0k3n'.repeat(3)
const FORK_TOKEN = 'ghs_' + 'F0rkT0k3n'.repeat(4)
const APP = 'com.example.liveupdate'
const MARKER = `<!-- live-update-action:${APP}:app -->`
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const FIRST = '1'.repeat(40)
const SECOND = '2'.repeat(40)

/** A pull_request payload from @octokit/webhooks-examples, opened from the branch `changes` of a fork. */
function forkPullRequest(action: string, headSha: string): Record<string, any> {
  const payload = pullRequestPayload(action)
  Object.assign(payload.pull_request.head, { sha: headSha, ref: 'changes', label: 'stranger:changes' })
  payload.pull_request.head.repo.full_name = 'stranger/Hello-World'
  payload.pull_request.head.repo.owner.login = 'stranger'
  return payload
}

/** A completed workflow_run payload from @octokit/webhooks-examples, for the fork's pack run. */
function workflowRun(headSha: string, runNumber: number, edit: Partial<Record<string, unknown>> = {}): Record<string, any> {
  const payload = examplePayload('workflow_run', (example) => example.action === 'completed')
  Object.assign(payload.workflow_run, {
    id: 9000 + runNumber, run_number: runNumber, event: 'pull_request', conclusion: 'success', status: 'completed',
    head_sha: headSha, head_branch: 'changes', pull_requests: [], ...edit
  })
  payload.workflow_run.head_repository.full_name = 'stranger/Hello-World'
  payload.workflow_run.head_repository.owner.login = 'stranger'
  return payload
}

describe('fork previews: mode pack in the pull request\'s run, mode publish-packed in the workflow_run run', () => {
  let github: FakeGitHub
  let fork: string
  let trusted: string
  let registry: string
  beforeAll(async () => {
    github = await startFakeGitHub()
  })
  afterAll(() => github.close())
  beforeEach(() => {
    fork = makeWorkspace()
    trusted = makeWorkspace()
    registry = join(trusted, '.live-updates')
    github.reset()
    github.pullRequests = [
      { number: 2, state: 'open', title: 'Update the README', headSha: FIRST, headRef: 'changes', headOwner: 'stranger', labels: [] },
      { number: 7, state: 'open', title: 'Another one', headSha: '7'.repeat(40), headRef: 'other', headOwner: 'someone', labels: [] }
    ]
  })
  afterEach(() => {
    rmSync(fork, { recursive: true, force: true })
    rmSync(trusted, { recursive: true, force: true })
    expect(github.invalid).toEqual([])
  })

  const pr = (number: number) => github.pullRequests.find((p) => p.number === number)!
  /** The fork's pull_request run: no secrets, a read-only token. */
  const packRun = (payload: Record<string, any>, eventName = 'pull_request', run = runAction) =>
    run({
      cwd: fork,
      eventName,
      ref: 'refs/pull/2/merge',
      payload,
      runNumber: 31,
      inputs: { mode: 'pack', 'working-directory': 'app', 'github-token': FORK_TOKEN },
      env: { GITHUB_API_URL: github.url }
    })
  const packed = () => join(fork, 'live-update-artifact')
  /** The pack run, then actions/upload-artifact and download-artifact: the folder lands in the trusted checkout. */
  const pack = async (action: string, headSha: string, run = runAction) => {
    const result = await packRun(forkPullRequest(action, headSha), 'pull_request', run)
    expect(result.exitCode).toBe(0)
    rmSync(join(trusted, 'live-update-artifact'), { recursive: true, force: true })
    cpSync(packed(), join(trusted, 'live-update-artifact'), { recursive: true })
    return result
  }
  const publish = (payload: Record<string, any>, inputs: Record<string, string> = {}, run = runAction) =>
    run({
      cwd: trusted,
      eventName: 'workflow_run',
      ref: 'refs/heads/main',
      payload,
      inputs: { mode: 'publish-packed', 'working-directory': 'app', 'github-token': TOKEN, 'registry-path': registry, ...inputs },
      env: { GITHUB_API_URL: github.url }
    })
  const artifactFile = (name: string) => join(trusted, 'live-update-artifact', name)
  const pointerPath = (channel: string) => join(registry, APP, 'channels', `${channel}.json`)
  const pointer = (channel: string) => JSON.parse(readFileSync(pointerPath(channel), 'utf8'))
  const ours = (issue: number) => github.comments.filter((c) => c.issue === issue && c.body.startsWith(MARKER))

  it('publishes a fork pull request through opened, synchronize and closed, building nothing in the trusted run', async () => {
    await pack('opened', FIRST)
    const packed = JSON.parse(readFileSync(artifactFile('live-update-pack.json'), 'utf8'))
    const opened = await publish(workflowRun(FIRST, 31))
    expect(opened.stderr).toBe('')
    expect(opened.exitCode).toBe(0)
    expect(opened.stdout).not.toContain('::group::Build')
    expect(opened.outputs).toMatchObject({ published: 'true', channel: 'pr-2', version: '1.0.0-pr.2.31', checksum: packed.bundle.checksum })
    expect(pointer('pr-2')).toMatchObject({ version: '1.0.0-pr.2.31', commit: FIRST, checksum: packed.bundle.checksum })
    const stored = readFileSync(join(registry, APP, 'bundles', '1.0.0-pr.2.31', 'bundle.zip'))
    expect(sha256(stored)).toBe(packed.bundle.checksum)
    expect(ours(2)).toHaveLength(1)
    expect(ours(2)[0].body).toContain('Published `1.0.0-pr.2.31` to channel `pr-2`')

    // The fork pushes a change: a new head, a new pack run.
    writeFileSync(join(fork, 'app', 'src', 'about.html'), '<p>changed by the fork</p>')
    pr(2).headSha = SECOND
    await pack('synchronize', SECOND)
    const synchronized = await publish(workflowRun(SECOND, 32))
    expect(synchronized.exitCode).toBe(0)
    expect(pointer('pr-2')).toMatchObject({ version: '1.0.0-pr.2.32', commit: SECOND })
    const entries = await readZip(join(registry, APP, 'bundles', '1.0.0-pr.2.32', 'bundle.zip'))
    expect(entries.find((e) => e.name === 'about.html')!.data.toString()).toBe('<p>changed by the fork</p>')
    expect(ours(2)).toHaveLength(1)
    expect(ours(2)[0].body).toContain('1.0.0-pr.2.32')

    pr(2).state = 'closed'
    await pack('closed', SECOND)
    const closed = await publish(workflowRun(SECOND, 33))
    expect(closed.exitCode).toBe(0)
    expect(existsSync(pointerPath('pr-2'))).toBe(false)
    expect(existsSync(join(registry, APP, 'bundles', '1.0.0-pr.2.32'))).toBe(false)
    expect(ours(2)[0].body).toContain('The preview was removed: channel `pr-2`')
    expect(github.comments.filter((c) => c.issue === 7)).toEqual([])
  })

  it('publishes through the bundled action as the runner starts it (a fresh build of src), both halves', async () => {
    await pack('opened', FIRST, runBuiltAction)
    const result = await publish(workflowRun(FIRST, 31), {}, runBuiltAction)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ published: 'true', channel: 'pr-2', version: '1.0.0-pr.2.31' })
    expect(pointer('pr-2').commit).toBe(FIRST)
    expect(ours(2)[0].body).toContain('Published `1.0.0-pr.2.31` to channel `pr-2`')
  }, 300_000)

  it('refuses a forged artifact that claims another pull request, and tells the pull request that built it', async () => {
    await pack('opened', FIRST)
    const metadata = JSON.parse(readFileSync(artifactFile('live-update-pack.json'), 'utf8'))
    writeFileSync(artifactFile('live-update-pack.json'), JSON.stringify({ ...metadata, pullRequest: 7 }))
    const result = await publish(workflowRun(FIRST, 31))
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::The artifact\'s metadata names pull request #7, but the pack run built #2 (head 1111111): this artifact was altered or comes from another run, and nothing was published.')
    expect(existsSync(registry)).toBe(false)
    expect(github.comments.filter((c) => c.issue === 7)).toEqual([])
    expect(ours(2)[0].body).toContain('metadata names pull request \\#7')
  })

  it('refuses a tampered bundle whose bytes no longer match the checksum', async () => {
    await pack('opened', FIRST)
    const bytes = readFileSync(artifactFile('bundle.zip'))
    bytes[40] ^= 0xff
    writeFileSync(artifactFile('bundle.zip'), bytes)
    const result = await publish(workflowRun(FIRST, 31))
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::The artifact's bundle\.zip is not the bundle its pack run made \(sha256 [0-9a-f]{12}…, \d+ bytes; the metadata says [0-9a-f]{12}…, \d+ bytes\): it was altered or cut short, and nothing was published\.\n/)
    expect(existsSync(pointerPath('pr-2'))).toBe(false)
    expect(ours(2)[0].body).toContain('is not the bundle its pack run made')
  })

  it('holds a bundle whose metadata was forged to match to the same scan: a native binary is refused', async () => {
    await pack('opened', FIRST)
    // A fork that controls its run can make any archive and a matching checksum.
    const { packWebDir } = await import('../src/bundle/pack.js')
    const web = join(fork, 'app', 'dist')
    writeFileSync(join(web, 'payload.so'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]))
    const bundle = await packWebDir(web, artifactFile('bundle.zip'))
    const metadata = JSON.parse(readFileSync(artifactFile('live-update-pack.json'), 'utf8'))
    metadata.bundle = { ...metadata.bundle, checksum: bundle.checksum, size: bundle.size, fileCount: bundle.files.length }
    writeFileSync(artifactFile('live-update-pack.json'), JSON.stringify(metadata))
    const result = await publish(workflowRun(FIRST, 31))
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('native binary in the bundle: payload.so')
    expect(existsSync(pointerPath('pr-2'))).toBe(false)
  })

  it('refuses a workflow_run of a run that was not a pull_request run, with no notice to anyone', async () => {
    await pack('opened', FIRST)
    const result = await publish(workflowRun(FIRST, 31, { event: 'push' }))
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::The workflow run that triggered this one ran on push, not pull_request: .*nothing was published\.\n/)
    expect(github.requests).toEqual([])
  })

  it('refuses a pack run that did not succeed, and says so on the pull request', async () => {
    await pack('opened', FIRST)
    const result = await publish(workflowRun(FIRST, 31, { conclusion: 'failure' }))
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::The pack run https:\/\/github\.com\/\S+ of pull request #2 ended failure, not success: fix that run \(its log says why\), nothing was published\.\n/)
    expect(existsSync(registry)).toBe(false)
    expect(ours(2)[0].body).toContain('ended failure, not success')
  })

  it('waits for the maintainer\'s label, says how to approve, then publishes once it is there', async () => {
    await pack('opened', FIRST)
    const waiting = await publish(workflowRun(FIRST, 31), { 'preview-label': 'safe-to-preview' })
    expect(waiting.exitCode).toBe(0)
    expect(existsSync(pointerPath('pr-2'))).toBe(false)
    expect(ours(2)[0].body).toContain('add the label &quot;safe\\-to\\-preview&quot; to pull request \\#2, then re\\-run this workflow run')
    pr(2).labels = ['safe-to-preview']
    const approved = await publish(workflowRun(FIRST, 31), { 'preview-label': 'safe-to-preview' })
    expect(approved.exitCode).toBe(0)
    expect(pointer('pr-2').version).toBe('1.0.0-pr.2.31')
    expect(ours(2)).toHaveLength(1)
    expect(ours(2)[0].body).toContain('Published `1.0.0-pr.2.31`')
  })

  it('publishes nothing for a run whose pull request has moved on to a newer commit', async () => {
    await pack('opened', FIRST)
    pr(2).headSha = SECOND
    const result = await publish(workflowRun(FIRST, 31))
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('::notice::Nothing was published: pull request #2 has moved on to 2222222 since run 9031 packed 1111111')
    expect(existsSync(pointerPath('pr-2'))).toBe(false)
  })

  it('builds, checks and packs into the artifact folder, with no backend and no GitHub call', async () => {
    const result = await packRun(forkPullRequest('opened', 'c'.repeat(40)))
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const metadata = JSON.parse(readFileSync(join(packed(), 'live-update-pack.json'), 'utf8'))
    const bytes = readFileSync(join(packed(), 'bundle.zip'))
    expect(metadata).toMatchObject({
      format: 'live-update-pack/1',
      pullRequest: 2,
      headSha: 'c'.repeat(40),
      closed: false,
      verdict: { eligible: true, reasons: [], framework: 'capacitor' },
      bundle: { file: 'bundle.zip', checksum: sha256(bytes), size: bytes.length, fileCount: 5 }
    })
    expect((await readZip(join(packed(), 'bundle.zip'))).map((e) => e.name)).toContain('index.html')
    expect(result.outputs).toMatchObject({ published: 'false', checksum: sha256(bytes), eligible: 'true', channel: 'pr-2' })
    expect(result.stdout).toContain('::notice::Nothing was published: a pull request\'s own run does not publish; the bundle is packed in live-update-artifact')
    expect(existsSync(join(fork, '.live-updates'))).toBe(false)
    expect(github.requests).toEqual([])
  })

  it('packs nothing for a closed pull request and says so in the metadata', async () => {
    const result = await packRun(forkPullRequest('closed', 'd'.repeat(40)))
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(readFileSync(join(packed(), 'live-update-pack.json'), 'utf8'))).toMatchObject({ pullRequest: 2, headSha: 'd'.repeat(40), closed: true })
    expect(existsSync(join(packed(), 'bundle.zip'))).toBe(false)
    expect(result.stdout).not.toContain('::group::Build')
  })

  it('refuses to run outside a pull_request run, in one sentence', async () => {
    const result = await packRun(pushPayload('refs/heads/main'), 'push')
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::Mode pack runs in the pull_request workflow of fork previews, and this is a push run: trigger that workflow with on: pull_request, or use mode publish here\.\n/)
    expect(existsSync(packed())).toBe(false)
  })
})
