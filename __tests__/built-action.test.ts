import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { freshBuild, makeWorkspace, runBuiltAction } from './helpers/action.js'
import { localS3Inputs, withLocalS3 } from './helpers/lifecycle.js'
import { pushPayload } from './helpers/payloads.js'

const APP = 'com.example.liveupdate'

/** A few smoke tests of the bundle as the runner starts it; everything else runs src in-process (runAction). */
describe('the bundled action (a fresh build of src) as a child process', () => {
  let workspace: string
  const local = withLocalS3()
  beforeAll(() => freshBuild(), 300_000)
  beforeEach(() => {
    workspace = makeWorkspace()
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const tagPush = (tag: string, inputs: Record<string, string> = {}) =>
    runBuiltAction({ cwd: workspace, eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`), inputs: { 'working-directory': 'app', ...inputs } })

  it('publishes a tag: outputs in GITHUB_OUTPUT, the summary in GITHUB_STEP_SUMMARY, groups in the log', async () => {
    const result = await tagPush('v1.2.3', { 'signing-key': '' })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const bundle = readFileSync(join(workspace, '.live-updates', APP, 'bundles', '1.2.3', 'bundle.zip'))
    expect(result.outputs).toMatchObject({ channel: 'production', version: '1.2.3', published: 'true', checksum: createHash('sha256').update(bundle).digest('hex'), 'comment-id': '' })
    for (const stage of ['Target', 'Build', 'Eligibility', 'Pack', 'Publish']) expect(result.stdout).toContain(`::group::${stage}`)
    expect(result.summary).toContain('Published `1.2.3` to channel `production`')
  })

  it('publishes to S3 (undici, which the bundle loads on the first request)', async () => {
    const result = await tagPush('v1.2.4', localS3Inputs(local, 'built'))
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ channel: 'production', version: '1.2.4', published: 'true' })
    expect(local.proxy.seen).toContain(`PUT /${local.s3.bucket}/built/${APP}/channels/production.json`)
  })

  it('fails with exit code 1 and one error annotation on bad input', async () => {
    const result = await tagPush('v1.0.0', { backend: 'ftp' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::The backend input "ftp" is not known: use one of folder, s3, capgo.')
    expect(existsSync(join(workspace, '.live-updates'))).toBe(false)
  })
})
