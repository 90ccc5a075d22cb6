import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from "node:fs"
import { join } from 'node:path'
import type { S3Tuning } from '../src/backends/s3.js'
import { makeWorkspace, runAction, type ActionRun } from './helpers/action.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { S3_CREDENTIALS, startFaultProxy, startS3, type FaultProxy, type LocalS3 } from './helpers/s3.js'

const APP = 'com.example.liveupdate'
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

async function get(url: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url)
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) }
}

describe('the s3 backend against s3rver', () => {
  let s3: LocalS3
  let proxy: FaultProxy
  let workspace: string
  let prefix: string
  let run = 0
  beforeAll(async () => {
    s3 = await startS3()
    proxy = await startFaultProxy(s3.endpoint)
  })
  afterAll(async () => {
    await proxy.close()
    await s3.close()
  })
  beforeEach(() => {
    workspace = makeWorkspace()
    proxy.rules = []
    proxy.seen = []
    prefix = `test-${++run}`
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const publicBase = () => `${s3.endpoint}/${s3.bucket}/${prefix}`
  const publish = (tag = 'v1.0.0', extra: Record<string, string> = {}, tuning: S3Tuning = {}): Promise<ActionRun> =>
    runAction({
      cwd: workspace,
      eventName: 'push',
      ref: `refs/tags/${tag}`,
      payload: pushPayload(`refs/tags/${tag}`),
      inputs: {
        'working-directory': 'app',
        backend: 's3',
        's3-bucket': s3.bucket,
        's3-prefix': prefix,
        's3-endpoint': proxy.endpoint,
        's3-access-key-id': S3_CREDENTIALS.accessKeyId,
        's3-secret-access-key': S3_CREDENTIALS.secretAccessKey,
        'public-url': publicBase(),
        ...extra
      },
      // Short waits so faults resolve quickly; the policy itself is the users'.
      services: { s3: { ...tuning, retry: { baseMs: 5, timeoutMs: 1500, ...tuning.retry } } }
    })
  const pointer = async (channel = 'production') => {
    const { status, body } = await get(`${publicBase()}/${APP}/channels/${channel}.json`)
    return status === 200 ? JSON.parse(body.toString('utf8')) : undefined
  }
  /** The invariant under every fault: a pointer, if any, names a whole bundle with its checksum. */
  const expectPointerSound = async () => {
    const current = await pointer()
    if (!current) return
    const bundle = await get(current.url)
    expect(bundle.status).toBe(200)
    expect(sha256(bundle.body)).toBe(current.checksum)
  }

  it('publishes a bundle that reads back byte for byte through the pointer URL', async () => {
    const result = await publish()
    expect(result.exitCode).toBe(0)
    const current = await pointer()
    expect(current).toMatchObject({ version: '1.0.0', url: `${publicBase()}/${APP}/bundles/1.0.0/bundle.zip`, checksum: result.outputs.checksum })
    const bundle = await get(current.url)
    expect(sha256(bundle.body)).toBe(result.outputs.checksum)
    expect(bundle.body.length).toBe(Number(result.outputs.size))
    const manifest = JSON.parse((await get(`${publicBase()}/${APP}/bundles/1.0.0/manifest.json`)).body.toString('utf8'))
    expect(manifest.files.length).toBe(5)
    expect(result.outputs['bundle-url']).toBe(current.url)
  })

  it('is a no-op on a re-run and refuses other bytes under the same version', async () => {
    expect((await publish()).exitCode).toBe(0)
    const again = await publish()
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('1.0.0 was already on production: nothing changed')
    const before = (await get(`${publicBase()}/${APP}/bundles/1.0.0/bundle.zip`)).body
    writeFileSync(join(workspace, 'app', 'src', 'about.html'), '<p>other</p>')
    const other = await publish()
    expect(other.exitCode).toBe(1)
    expect(other.stdout).toMatch(/::error::Version 1\.0\.0 of com\.example\.liveupdate is already in the registry \(s3:\/\/updates\/test-\d+\/com\.example\.liveupdate\/bundles\/1\.0\.0\/bundle\.zip\) with other content/)
    expect((await get(`${publicBase()}/${APP}/bundles/1.0.0/bundle.zip`)).body.equals(before)).toBe(true)
  })

  it('uploads a large bundle in parallel parts', async () => {
    writeFileSync(join(workspace, 'app', 'src', 'assets', 'video.mp4'), randomBytes(3 * 1024 * 1024 + 17))
    const result = await publish('v1.0.0', {}, { partSize: 1024 * 1024, multipartThreshold: 1024 * 1024 })
    expect(result.exitCode).toBe(0)
    expect(proxy.seen.filter((line) => /^PUT .*partNumber=/.test(line)).length).toBe(4)
    await expectPointerSound()
    expect((await pointer()).checksum).toBe(result.outputs.checksum)
  })

  it('retries 503, 500, a dropped connection and a stall to success', async () => {
    proxy.rules = [
      { method: 'PUT', path: /bundle\.zip$/, times: [1], fault: { status: 503 } },
      { method: 'PUT', path: /manifest\.json$/, times: [1], fault: 'drop' },
      { method: 'PUT', path: /channels\/production\.json$/, times: [1], fault: { status: 500 } },
      { method: 'HEAD', path: /bundle\.zip$/, times: [2], fault: 'stall' }
    ]
    // The stalled request waits out its whole deadline: a shorter one (any request it cuts off is retried too).
    const result = await publish('v1.0.0', {}, { retry: { timeoutMs: 500 } })
    expect(result.exitCode).toBe(0)
    await expectPointerSound()
    expect((await pointer()).version).toBe('1.0.0')
  })

  it('fails with a clear error when S3 keeps failing, leaving no pointer to a partial bundle', async () => {
    proxy.rules = [{ method: 'PUT', path: /channels\/production\.json$/, times: 'always', fault: { status: 503 } }]
    const result = await publish()
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::PUT of s3:\/\/updates\/test-\d+\/com\.example\.liveupdate\/channels\/production\.json failed after 6 attempt\(s\) .*\(503 SlowDown\); the channel pointer may now name 1\.0\.0 \(it named nothing\): check s3:\/\/updates\/test-\d+\/com\.example\.liveupdate\/channels\/production\.json, then run the job again\./)
    expect(await pointer()).toBeUndefined()
    proxy.rules = []
    expect((await publish()).exitCode).toBe(0)
    await expectPointerSound()
  })

  it('keeps the old pointer when a new bundle cannot be stored', async () => {
    expect((await publish('v1.0.0')).exitCode).toBe(0)
    proxy.rules = [{ method: 'PUT', path: /bundle\.zip$/, times: 'always', fault: 'drop' }]
    writeFileSync(join(workspace, 'app', 'src', 'about.html'), '<p>1.0.1</p>')
    const result = await publish('v1.0.1')
    expect(result.exitCode).toBe(1)
    expect((await pointer()).version).toBe('1.0.0')
    await expectPointerSound()
  })

  it('fails at once on a 403, naming the object and the likely cause, without leaking the secret', async () => {
    const secret = 'S3RVER'
    proxy.rules = [{
      method: 'PUT',
      path: /bundle\.zip$/,
      times: 'always',
      fault: { status: 403, body: `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>denied</Message><StringToSign>AWS4-HMAC-SHA256 ${secret}</StringToSign></Error>` }
    }]
    const result = await publish('v1.0.0', { 's3-secret-access-key': secret, 's3-access-key-id': secret })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::S3 refused PUT of s3:\/\/updates\/test-\d+\/com\.example\.liveupdate\/bundles\/1\.0\.0\/bundle\.zip \(403 AccessDenied\): check s3-access-key-id and s3-secret-access-key/)
    expect(proxy.seen.filter((line) => /^PUT .*bundle\.zip/.test(line))).toHaveLength(1)
    expect(result.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(secret)
    expect(await pointer()).toBeUndefined()
  })

  it('skips publishing with a notice when the credentials are missing', async () => {
    const result = await publish('v1.0.0', { 's3-access-key-id': '', 's3-secret-access-key': '' })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/::notice::Nothing was published: The s3 backend has no credentials: set s3-access-key-id and s3-secret-access-key/)
  })

  it('removes a closed pull request channel and its bundles', async () => {
    const pr = (action: string) =>
      runAction({
        cwd: workspace,
        eventName: 'pull_request',
        payload: pullRequestPayload(action),
        inputs: {
          'working-directory': 'app', backend: 's3', 's3-bucket': s3.bucket, 's3-prefix': prefix, 's3-endpoint': s3.endpoint,
          's3-access-key-id': S3_CREDENTIALS.accessKeyId, 's3-secret-access-key': S3_CREDENTIALS.secretAccessKey
        }
      })
    expect((await pr('opened')).exitCode).toBe(0)
    expect(await pointer('pr-2')).toBeDefined()
    const closed = await pr('closed')
    expect(closed.exitCode).toBe(0)
    expect(await pointer('pr-2')).toBeUndefined()
    expect((await get(`${publicBase()}/${APP}/bundles/1.0.0-pr.2.7/bundle.zip`)).status).toBe(404)
    expect(closed.summary).toContain('The preview was removed: channel `pr-2` and its bundles (`1.0.0-pr.2.7`)')
  })
})

