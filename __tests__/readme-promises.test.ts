/**
 * What the README promises and no other test held to: each test names the README's words
 * it checks, and fails when that behaviour breaks.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici'
import { checkEligibility } from '../src/eligibility/index.js'
import { runAction, type ActionOptions } from './helpers/action.js'
import type { FakeGitHub } from './helpers/github-server.js'
import { localS3Inputs, withFakeGitHub, withLocalS3, withWorkspace } from './helpers/lifecycle.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { TestRepo } from './helpers/repo.js'
import type { FaultProxy, LocalS3 } from './helpers/s3.js'

const APP = 'com.example.liveupdate'
const TOKEN = 'ghs_' + 'R3adm3'.repeat(6)

describe('the folder registry, as the README describes it', () => {
  const fake = withFakeGitHub()
  const workspaceOf = withWorkspace()
  let workspace: string
  let github: FakeGitHub
  beforeEach(() => {
    workspace = workspaceOf.dir
    github = fake.github
  })

  const run = (options: Partial<ActionOptions> & Pick<ActionOptions, 'eventName'>) =>
    runAction({ cwd: workspace, ...options, inputs: { 'working-directory': 'app', 'registry-path': join(workspace, '.live-updates'), ...options.inputs }, env: { GITHUB_API_URL: github.url } })
  const pullRequest = (eventName: string, inputs: Record<string, string> = {}, fromFork = false) => {
    const payload = pullRequestPayload('opened')
    if (fromFork) payload.pull_request.head.repo.full_name = 'a-fork/Hello-World'
    return run({ eventName, ref: 'refs/pull/2/merge', payload, inputs: { 'github-token': TOKEN, ...inputs } })
  }
  const tagPush = (tag: string, inputs: Record<string, string> = {}) =>
    run({ eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`), inputs })

  // README, permissions: "pull-request previews with `comment: false`" need no pull-requests: write.
  it('comment: false publishes the preview and writes no comment', async () => {
    const result = await pullRequest('pull_request', { comment: 'false' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ published: 'true', channel: 'pr-2', 'comment-id': '' })
    expect(github.comments).toEqual([])
    expect(github.requests.filter((r) => r.path.includes('/comments'))).toEqual([])
    // The same run with comments on does comment: the input, not the setup, made the difference.
    expect((await pullRequest('pull_request')).outputs['comment-id']).toMatch(/^\d+$/)
  })

  // README / SECURITY.md: pull_request_target gives a fork's pull request the secrets, and the action says so.
  it('warns on a pull_request_target run of a fork\'s pull request, and publishes nothing', async () => {
    const warning = '::warning::This pull_request_target run has the repository\'s secrets while the pull request comes from a fork'
    const fork = await pullRequest('pull_request_target', {}, true)
    expect(fork.stdout).toContain(warning)
    expect(fork.outputs.published).toBe('false')
    const own = await pullRequest('pull_request_target')
    expect(own.stdout).not.toContain(warning)
    expect(own.outputs.published).toBe('true')
    expect((await pullRequest('pull_request', {}, true)).stdout).not.toContain(warning)
  })

  // README, inputs: web-dir defaults to "webDir of capacitor.config.*, else the first of dist, www, build".
  it('falls back to the first of dist, www, build without a webDir in the config', async () => {
    writeFileSync(join(workspace, 'app', 'capacitor.config.json'), JSON.stringify({ appId: APP }))
    const app = join(workspace, 'app')
    const page = (folder: string) => {
      mkdirSync(join(app, folder), { recursive: true })
      writeFileSync(join(app, folder, 'index.html'), `<p>${folder}</p>`)
      writeFileSync(join(app, folder, `${folder}.txt`), folder)
    }
    page('build')
    const files = async (tag: string) => {
      const result = await tagPush(tag, { 'build-command': 'none' })
      expect(result.exitCode).toBe(0)
      const manifest = JSON.parse(readFileSync(join(workspace, '.live-updates', APP, 'bundles', tag.slice(1), 'manifest.json'), 'utf8'))
      return manifest.files.map((file: { path: string }) => file.path)
    }
    expect(await files('v1.0.0')).toEqual(['build.txt', 'index.html'])
    page('www')
    expect(await files('v1.0.1')).toEqual(['index.html', 'www.txt'])
    page('dist')
    expect(await files('v1.0.2')).toEqual(['dist.txt', 'index.html'])
  })

  // README, the comment and summary: "verdict, version, channel and size change first".
  it('states the size change against the channel\'s previous bundle', async () => {
    const first = await tagPush('v1.0.0')
    expect(first.summary).not.toContain('against `production`')
    writeFileSync(join(workspace, 'app', 'src', 'noise.bin'), randomBytes(300))
    const second = await tagPush('v1.0.1')
    expect(second.exitCode).toBe(0)
    const delta = Number(second.outputs.size) - Number(first.outputs.size)
    expect(delta).toBeGreaterThan(300)
    expect(second.summary).toContain(`+${delta} B against \`production\` (\`1.0.0\`), 1 file changed`)
  })
})

describe('the eligibility check, as the README describes it', () => {
  let repo: TestRepo
  let base: string
  beforeEach(() => {
    repo = new TestRepo().capacitorApp()
    repo.write('patches/lodash+4.17.20.patch', patch('lodash', 'index.js'))
    base = repo.commit('base')
  })
  afterEach(() => repo.cleanup())
  const check = () => checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base })

  // README: "patch-package files in `patches/` ... a patch of a native package that edits more than its JavaScript is a native change, named with its file; a patch of a JavaScript-only package is not".
  it('counts a patch-package patch of a native plugin\'s native code, not one of its JavaScript or of a JavaScript package', async () => {
    repo.write('patches/lodash+4.17.20.patch', patch('lodash', 'index.js', 'two')).commit('js package patched again')
    expect(await check()).toMatchObject({ eligible: true, reasons: [] })
    repo.write('patches/@capacitor+camera+6.0.0.patch', patch('@capacitor/camera', 'dist/index.js')).commit('js of a native plugin')
    expect(await check()).toMatchObject({ eligible: true, reasons: [] })
    repo.write('patches/@capacitor+camera+6.0.0.patch', patch('@capacitor/camera', 'ios/Plugin/Plugin.swift')).commit('native code')
    const verdict = await check()
    expect(verdict.eligible).toBe(false)
    expect(verdict.reasons).toEqual([{ message: 'patches/@capacitor+camera+6.0.0.patch added: a patch of the native package @capacitor/camera', file: 'patches/@capacitor+camera+6.0.0.patch' }])
  })

  // README: native plugin versions come "from node_modules, else the lockfile"; the notes say so.
  it('names native plugins from the lockfile when node_modules is not installed', async () => {
    repo.remove('node_modules')
    const same = await check()
    expect(same).toMatchObject({ eligible: true, reasons: [] })
    expect(same.notes).toContain('node_modules is not installed: native plugins were named from the lockfile (install dependencies before this step to hash their native sources)')
    repo.writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.21', '@capacitor/camera': '6.0.0' }).commit('js bump')
    expect(await check()).toMatchObject({ eligible: true })
    repo.writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.21', '@capacitor/camera': '7.0.0' }).commit('native bump')
    const bumped = await check()
    expect(bumped.eligible).toBe(false)
    expect(bumped.reasons.map((r) => r.message).join('\n')).toContain('@capacitor/camera')
  })
})

/** A patch-package patch of one file of a package, as `npx patch-package <name>` writes it. */
function patch(name: string, file: string, text = 'patched'): string {
  const path = `node_modules/${name}/${file}`
  return `diff --git a/${path} b/${path}\nindex 1111111..2222222 100644\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-// native\n+// ${text}\n`
}

describe('the s3 backend, as the README describes it', () => {
  const local = withLocalS3()
  const workspaceOf = withWorkspace()
  let s3: LocalS3
  let proxy: FaultProxy
  let workspace: string
  let prefix: string
  let runs = 0
  beforeEach(() => {
    ;({ s3, proxy } = local)
    workspace = workspaceOf.dir
    prefix = `promises-${++runs}`
  })

  const publish = (inputs: Record<string, string> = {}, tuning = {}) =>
    runAction({
      cwd: workspace,
      eventName: 'push',
      ref: 'refs/tags/v1.0.0',
      payload: pushPayload('refs/tags/v1.0.0'),
      inputs: { ...localS3Inputs(local, prefix), 'public-url': 'https://cdn.example.com', ...inputs },
      services: { s3: { ...tuning, retry: { baseMs: 5, timeoutMs: 1500 } } }
    })
  const parts = () => proxy.seen.filter((line) => /^PUT .*partNumber=/.test(line)).map((line) => Number(/partNumber=(\d+)/.exec(line)![1]))

  // README: "bundles over 256 MiB go up as a multipart upload, four parts at a time, each part retried on its own".
  it('retries a failed part on its own, and the other parts are sent once', async () => {
    writeFileSync(join(workspace, 'app', 'src', 'assets', 'video.mp4'), randomBytes(3 * 1024 * 1024 + 17))
    proxy.rules = [{ method: 'PUT', path: /bundle\.zip$/, times: [2], fault: { status: 503 } }]
    const result = await publish({}, { partSize: 1024 * 1024, multipartThreshold: 1024 * 1024 })
    expect(result.exitCode).toBe(0)
    const sent = parts()
    const failed = sent[1]
    expect([...sent].sort()).toEqual([1, 2, 3, 4, failed].sort())
    expect(proxy.seen.filter((line) => line.startsWith('POST') && /uploads/.test(line))).toHaveLength(1)
    expect(proxy.seen.filter((line) => line.startsWith('DELETE'))).toEqual([])
  })

  // README: "a 403 or 400 fails at once with the object (`s3://bucket/key`) and the likely cause".
  it('fails at once on a 400, naming the object, with no retry', async () => {
    proxy.rules = [{ method: 'PUT', path: /bundle\.zip$/, times: 'always', fault: { status: 400, body: '<?xml version="1.0"?><Error><Code>InvalidRequest</Code></Error>' } }]
    const result = await publish()
    expect(result.exitCode).toBe(1)
    expect(proxy.seen.filter((line) => /^PUT .*bundle\.zip/.test(line))).toHaveLength(1)
    expect(result.stdout).toContain(`::error::S3 refused PUT of s3://updates/${prefix}/${APP}/bundles/1.0.0/bundle.zip (400 InvalidRequest): check the s3-* inputs.`)
    expect(proxy.seen.some((line) => /channels\/production\.json/.test(line) && line.startsWith('PUT'))).toBe(false)
  })

  // README: "A custom `s3-endpoint` is addressed path-style, AWS virtual-hosted."
  describe('without s3-endpoint (AWS)', () => {
    let original: Dispatcher
    let hosts: string[]
    beforeAll(() => {
      original = getGlobalDispatcher()
      const port = Number(new URL(local.proxy.endpoint).port)
      // Every connection, https://updates.s3.eu-west-1.amazonaws.com included, reaches the proxy in
      // front of s3rver as plain HTTP: the Host header and path are the ones the action sent.
      setGlobalDispatcher(new Agent({
        connect: (options, done) => {
          hosts.push(options.hostname)
          const socket = connect(port, '127.0.0.1')
          socket.once('connect', () => done(null, socket))
          socket.once('error', (error) => done(error, null))
        }
      }))
    })
    afterAll(() => setGlobalDispatcher(original))
    beforeEach(() => {
      hosts = []
    })

    it('addresses the bucket by host name, signed for that host, and s3rver (which checks the signature) takes it', async () => {
      const result = await publish({ 's3-endpoint': '', 's3-region': 'eu-west-1' })
      expect(result.stdout).not.toContain('::error::')
      expect(result.exitCode).toBe(0)
      expect(new Set(hosts)).toEqual(new Set([`${s3.bucket}.s3.eu-west-1.amazonaws.com`]))
      const paths = proxy.seen.map((line) => line.split(' ')[1])
      expect(paths).toContain(`/${prefix}/${APP}/channels/production.json`)
      expect(paths.filter((path) => path.startsWith(`/${s3.bucket}/`))).toEqual([])
      // The pointer is in the bucket, read path-style straight from s3rver.
      expect(await status(`${s3.endpoint}/${s3.bucket}/${prefix}/${APP}/channels/production.json`)).toBe(200)
    })
  })
})

/** A GET with node:http: undici's global dispatcher is the test's own in this file. */
function status(url: string): Promise<number> {
  return new Promise((done, fail) => {
    request(url, (response) => {
      response.resume()
      done(response.statusCode ?? 0)
    }).on('error', fail).end()
  })
}

