import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { S3Tuning } from '../src/backends/s3.js'
import { S3Client } from '../src/backends/s3-client.js'
import { makeWorkspace, runAction, type ActionOptions, type ActionRun } from './helpers/action.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { expectRegistrySound, type RegistryReader } from './helpers/registry-check.js'
import { S3_CREDENTIALS, startFaultProxy, startS3, type FaultProxy, type LocalS3 } from './helpers/s3.js'

const APP = 'com.example.liveupdate'

async function get(url: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url)
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) }
}

/** Issue 14 on the S3 backend: s3rver behind the tests' fault proxy. */
describe('the s3 registry stays right', () => {
  let s3: LocalS3
  let proxy: FaultProxy
  let prefix: string
  let run = 0
  const workspaces: string[] = []
  beforeAll(async () => {
    s3 = await startS3()
    proxy = await startFaultProxy(s3.endpoint)
  })
  afterAll(async () => {
    await proxy.close()
    await s3.close()
  })
  beforeEach(() => {
    proxy.rules = []
    proxy.seen = []
    proxy.enforceConditions = false
    prefix = `guarantees-${++run}`
  })
  afterEach(() => {
    for (const workspace of workspaces.splice(0)) rmSync(workspace, { recursive: true, force: true })
  })

  const publicBase = () => `${s3.endpoint}/${s3.bucket}/${prefix}`
  const workspaceWith = (content: string) => {
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    writeFileSync(join(workspace, 'app', 'src', 'about.html'), `<p>${content}</p>`)
    return workspace
  }
  const s3Inputs = (extra: Record<string, string> = {}) => ({
    'working-directory': 'app',
    backend: 's3',
    's3-bucket': s3.bucket,
    's3-prefix': prefix,
    's3-endpoint': proxy.endpoint,
    's3-access-key-id': S3_CREDENTIALS.accessKeyId,
    's3-secret-access-key': S3_CREDENTIALS.secretAccessKey,
    'public-url': publicBase(),
    comment: 'false',
    ...extra
  })
  const tagEvent = (tag: string) => ({ eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`) })
  const publish = (tag = 'v1.0.0', extra: Record<string, string> = {}, tuning: S3Tuning = {}, content = 'one'): Promise<ActionRun> =>
    runAction({ cwd: workspaceWith(content), ...tagEvent(tag), inputs: s3Inputs(extra), services: { s3: { ...tuning, retry: { baseMs: 5, timeoutMs: 1500, ...tuning.retry } } } })
  const pointer = async (channel = 'production') => {
    const { status, body } = await get(`${publicBase()}/${APP}/channels/${channel}.json`)
    return status === 200 ? JSON.parse(body.toString('utf8')) : undefined
  }
  const reader: RegistryReader = {
    async keys() {
      const xml = (await get(`${s3.endpoint}/${s3.bucket}?list-type=2&prefix=${prefix}/`)).body.toString('utf8')
      return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1].slice(prefix.length + 1))
    },
    async read(key) {
      const { status, body } = await get(`${publicBase()}/${key}`)
      return status === 200 ? body : undefined
    }
  }

  it('sends a checksum with every PUT and part, and a bundle corrupted on the way never gets a pointer', async () => {
    proxy.rules = [{ method: 'PUT', path: /bundle\.zip$/, times: [1], fault: 'corrupt' }]
    const result = await publish()
    expect(result.exitCode).toBe(0)
    expect((await pointer()).version).toBe('1.0.0')
    await expectRegistrySound(reader, APP, { reportedChecksums: new Map([['1.0.0', result.outputs.checksum]]) })
  })

  it('a corrupted part of a multipart upload is caught too', async () => {
    const workspace = workspaceWith('big')
    writeFileSync(join(workspace, 'app', 'src', 'assets', 'video.mp4'), randomBytes(3 * 1024 * 1024 + 17))
    proxy.rules = [{ method: 'PUT', path: /bundle\.zip$/, times: [2], fault: 'corrupt' }]
    const result = await runAction({ cwd: workspace, ...tagEvent('v1.0.0'), inputs: s3Inputs(), services: { s3: { partSize: 1024 * 1024, multipartThreshold: 1024 * 1024, retry: { baseMs: 5, timeoutMs: 1500 } } } })
    expect(result.exitCode).toBe(0)
    expect(proxy.seen.filter((line) => /^PUT .*partNumber=/.test(line)).length).toBeGreaterThanOrEqual(4)
    await expectRegistrySound(reader, APP, { reportedChecksums: new Map([['1.0.0', result.outputs.checksum]]) })
  })

  it('a 412 on the manifest leaves no pointer to a version without a manifest', async () => {
    proxy.rules = [{ method: 'PUT', path: /manifest\.json$/, times: 'always', fault: { status: 412 } }]
    const result = await publish()
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::s3:\/\/updates\/guarantees-\d+\/com\.example\.liveupdate\/bundles\/1\.0\.0\/manifest\.json did not read back with the checksum it was written with after 3 attempts \(the store refused the write as already present, yet it holds nothing\); the channel pointer was not changed: run the job again\./)
    expect(await pointer()).toBeUndefined()
    proxy.rules = [{ method: 'PUT', path: /manifest\.json$/, times: [1], fault: { status: 412 } }]
    expect((await publish()).exitCode).toBe(0)
    await expectRegistrySound(reader, APP)
  })

  it('a failed check-back after the pointer moved says it moved', async () => {
    proxy.rules = [{ method: 'HEAD', path: /channels\/production\.json$/, times: 'always', fault: { status: 503 } }]
    const result = await publish()
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::HEAD of .*channels\/production\.json failed after 6 attempt\(s\) .*; the channel pointer was changed to 1\.0\.0 \(it named nothing\): check s3:.*production\.json, then run the job again\./)
    expect((await pointer()).version).toBe('1.0.0')
  })

  it('gives each request a whole-request deadline: a store that trickles a byte every 0.7 s is cut off and retried', async () => {
    expect((await publish('v1.0.0')).exitCode).toBe(0)
    // The pointer read before the publish comes back one byte at a time; idle timeouts never fire.
    proxy.rules = [{ method: 'GET', path: /channels\/production\.json$/, times: [1], fault: 'trickle' }]
    const started = Date.now()
    const result = await publish('v1.0.1', {}, {}, 'two')
    expect(result.exitCode).toBe(0)
    expect(Date.now() - started).toBeLessThan(60_000)
    expect((await pointer()).version).toBe('1.0.1')
  }, 90_000)

  it('stops a read when its signal aborts (a cancelled pack\'s download of the previous bundle), without retrying it', async () => {
    const client = new S3Client(s3.bucket, 'us-east-1', S3_CREDENTIALS, proxy.endpoint)
    const bytes = randomBytes(64 * 1024)
    await client.send({ method: 'PUT', key: `${prefix}/previous.zip`, headers: { 'content-length': String(bytes.length) }, body: () => bytes, bytes: bytes.length })
    proxy.rules = [{ method: 'GET', path: /previous\.zip$/, times: 'always', fault: 'trickle' }]
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    const controller = new AbortController()
    const read = client.send({ method: 'GET', key: `${prefix}/previous.zip`, toFile: join(workspace, 'previous.zip'), signal: controller.signal, bytes: bytes.length })
    setTimeout(() => controller.abort(), 300)
    await expect(read).rejects.toThrow(/failed after 1 attempt\(s\)/)
    expect(proxy.seen.filter((r) => r.startsWith('GET '))).toHaveLength(1)
  })

  it('stops starting parts once one fails, and aborts the upload after the parts in flight', async () => {
    const workspace = workspaceWith('big')
    writeFileSync(join(workspace, 'app', 'src', 'assets', 'video.mp4'), randomBytes(8 * 1024 * 1024 + 17))
    proxy.rules = [{ method: 'PUT', path: /bundle\.zip$/, times: [1], fault: { status: 403, body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>' } }]
    const result = await runAction({ cwd: workspace, ...tagEvent('v1.0.0'), inputs: s3Inputs(), services: { s3: { partSize: 1024 * 1024, multipartThreshold: 1024 * 1024, retry: { baseMs: 5, timeoutMs: 1500 } } } })
    expect(result.exitCode).toBe(1)
    const uploads = proxy.seen.filter((line) => /uploadId=/.test(line))
    const abort = uploads.findIndex((line) => line.startsWith('DELETE'))
    expect(abort).toBe(uploads.length - 1)
    expect(uploads.filter((line) => /partNumber=/.test(line)).length).toBeLessThanOrEqual(4)
  })

  describe('bad s3 inputs end in one sentence, before any request', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a prefix that climbs out', { 's3-prefix': '../other/escaped' }, /::error::The s3-prefix input "\.\.\/other\/escaped" may only hold folder names .*: use a prefix such as live-updates\/my-app\./],
      ['a host in the bucket', { 's3-bucket': '127.0.0.1:4573/x' }, /::error::The s3-bucket input "127\.0\.0\.1:4573\/x" is not a bucket name: .* a custom server's URL in s3-endpoint\./],
      ['a region that is not one', { 's3-region': 'evil.example.com/x' }, /::error::The s3-region input "evil\.example\.com\/x" is not a region name: use one such as eu-west-1/]
    ]
    it.each(cases)('%s', async (_name, inputs, message) => {
      const result = await publish('v1.0.0', inputs)
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(message)
      expect(proxy.seen).toEqual([])
    })
  })

  // Several run(services) at once in this process, each with its own ports: what they share is the store.
  describe('overlapping runs, on a store that honours conditional writes', () => {
    const start = (event: Pick<ActionOptions, 'eventName' | 'payload' | 'ref' | 'runNumber'>, content: string, delayMs = 0) =>
      new Promise((done) => setTimeout(done, delayMs)).then(() =>
        runAction({ cwd: workspaceWith(content), ...event, inputs: s3Inputs(), services: { s3: { retry: { baseMs: 5 } } } })
      )
    const pullRequest = (action: string, runNumber: number) => {
      const payload = pullRequestPayload(action === 'closed' ? 'closed' : 'opened')
      payload.action = action
      return { eventName: 'pull_request', payload, runNumber, ref: `refs/pull/${payload.number}/merge` }
    }
    const reported = (runs: ActionRun[]) => new Map(runs.filter((r) => r.exitCode === 0 && r.outputs.checksum).map((r) => [r.outputs.version, r.outputs.checksum]))

    it('the pointer only moves forward, one version is never written twice, and a closed preview stays gone', async () => {
      proxy.enforceConditions = true
      const channel = `pr-${pullRequestPayload('opened').number}`
      const runs = await Promise.all([
        start(tagEvent('v1.1.0'), 'one-one'),
        start(tagEvent('v1.0.0'), 'one-zero', 60),
        start(tagEvent('v2.0.0'), 'two-a', 20),
        start(tagEvent('v2.0.0'), 'two-b', 20),
        start(pullRequest('synchronize', 5), 'five'),
        start(pullRequest('synchronize', 6), 'six', 40),
        start(pullRequest('closed', 7), 'closed', 180)
      ])
      const refused = runs.filter((r) => r.exitCode !== 0)
      expect(refused).toHaveLength(1)
      expect(refused[0].stdout).toMatch(/::error::Version 2\.0\.0 of com\.example\.liveupdate is already in the registry/)
      expect((await pointer()).version).toBe('2.0.0')
      await expectRegistrySound(reader, APP, { closedChannels: [channel], reportedChecksums: reported(runs) })
    })
  })
})
