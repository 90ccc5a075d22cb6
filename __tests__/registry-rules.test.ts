import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeWorkspace, runAction, type ActionOptions } from './helpers/action.js'
import { examplePayload, pullRequestPayload, pushPayload } from './helpers/payloads.js'

const APP = 'com.example.liveupdate'

/** Issue 14: what a run may and may not do to the registry, through the action on the folder backend. */
describe('the registry stays right', () => {
  let workspace: string
  let registry: string
  beforeEach(() => {
    workspace = makeWorkspace()
    registry = join(workspace, '.live-updates')
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const run = (options: Partial<ActionOptions> & Pick<ActionOptions, 'eventName'>) =>
    runAction({ cwd: workspace, ...options, inputs: { 'working-directory': 'app', ...options.inputs } })
  const tagPush = (tag: string, inputs: Record<string, string> = {}) =>
    run({ eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`), inputs })
  const pullRequest = (action: string, runNumber: number, inputs: Record<string, string> = {}) => {
    const payload = pullRequestPayload(action === 'closed' ? 'closed' : 'opened')
    payload.action = action
    return run({ eventName: 'pull_request', payload, runNumber, ref: `refs/pull/${payload.number}/merge`, inputs: { comment: 'false', ...inputs } })
  }
  const prNumber = () => pullRequestPayload('opened').number as number
  const pointerPath = (channel: string) => join(registry, APP, 'channels', `${channel}.json`)
  const pointer = (channel: string) => JSON.parse(readFileSync(pointerPath(channel), 'utf8'))
  const versions = () => readdirSync(join(registry, APP, 'bundles')).sort()

  it('gives the build the user\'s environment without the action\'s inputs, so no secret reaches the bundle', async () => {
    const secrets = {
      'signing-key': generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey,
      'github-token': 'ghs_' + 'T0ken'.repeat(8),
      'capgo-token': 'capgo-' + 'k3y'.repeat(10),
      's3-secret-access-key': 'S3cret' + 'x'.repeat(30)
    }
    // A build that inlines its whole environment, as many bundlers do with process.env. npm runs it with bash (script-shell),
    // which, unlike dash, passes on names such as INPUT_SIGNING-KEY.
    const app = join(workspace, 'app')
    writeFileSync(join(app, '.npmrc'), 'script-shell=/bin/bash\n')
    writeFileSync(join(app, 'inline-env.mjs'), "import { writeFileSync } from 'node:fs'\nwriteFileSync('dist/env.js', JSON.stringify(process.env))\n")
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))
    manifest.scripts.build = 'node build.mjs && node inline-env.mjs'
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest))
    const result = await tagPush('v1.0.0', secrets)
    expect(result.exitCode).toBe(0)
    const inlined = execFileSync('unzip', ['-p', join(registry, APP, 'bundles', '1.0.0', 'bundle.zip'), 'env.js'], { encoding: 'utf8' })
    expect(JSON.parse(inlined).CI).toBe('true')
    expect(inlined).not.toMatch(/INPUT_/)
    for (const value of Object.values(secrets)) expect(inlined).not.toContain(value.split('\n')[1] ?? value)
  })

  it('does not quote a failed build command in the summary, which the runner does not mask', async () => {
    const result = await tagPush('v1.0.0', { 'build-command': 'deploy --token=hunter2-unmasked || exit 3' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::The build-command input failed with exit code 3')
    expect(result.summary).toContain('input failed with exit code 3')
    expect(result.summary).not.toContain('hunter2-unmasked')
  })

  it('closing a pull request removes only its own preview channel, never the channel input\'s', async () => {
    expect((await pullRequest('opened', 1)).exitCode).toBe(0)
    expect((await pullRequest('synchronize', 2, { channel: 'staging' })).exitCode).toBe(0)
    const staging = pointer('staging')
    const closed = await pullRequest('closed', 3, { channel: 'staging' })
    expect(closed.exitCode).toBe(0)
    expect(closed.stdout).toContain(`removed channel pr-${prNumber()}`)
    expect(pointer('staging')).toEqual(staging)
    expect(existsSync(pointerPath(`pr-${prNumber()}`))).toBe(false)
    expect(versions()).toEqual([staging.version])
  })

  it('a closed preview stays closed to late runs, and a reopened pull request publishes again', async () => {
    const channel = `pr-${prNumber()}`
    expect((await pullRequest('opened', 1)).exitCode).toBe(0)
    expect((await pullRequest('closed', 2)).exitCode).toBe(0)
    const late = await pullRequest('synchronize', 3)
    expect(late.exitCode).toBe(0)
    expect(late.stdout).toContain(`its preview channel ${channel} stays removed`)
    expect(existsSync(pointerPath(channel))).toBe(false)
    expect(existsSync(join(registry, APP, 'bundles'))).toBe(false)
    expect((await pullRequest('reopened', 4)).exitCode).toBe(0)
    expect(pointer(channel).version).toBe(`1.0.0-pr.${prNumber()}.4`)
  })

  it('moves a pull request\'s channel only forward: run 10 after run 11 leaves it on run 11', async () => {
    expect((await pullRequest('synchronize', 11)).exitCode).toBe(0)
    const channel = `pr-${prNumber()}`
    const eleven = pointer(channel)
    expect(eleven.version).toBe(`1.0.0-pr.${prNumber()}.11`)
    const ten = await pullRequest('synchronize', 10)
    expect(ten.exitCode).toBe(0)
    expect(ten.stdout).toContain(`${channel} stays on 1.0.0-pr.${prNumber()}.11, which is newer than 1.0.0-pr.${prNumber()}.10`)
    expect(ten.outputs.published).toBe('false')
    expect(pointer(channel)).toEqual(eleven)
  })

  it('a re-run of an older tag stores its bundle but leaves production on the newer version', async () => {
    expect((await tagPush('v1.1.0')).exitCode).toBe(0)
    const newer = pointer('production')
    const rerun = await tagPush('v1.0.0')
    expect(rerun.exitCode).toBe(0)
    expect(rerun.stdout).toContain('production stays on 1.1.0, which is newer than 1.0.0')
    expect(rerun.summary).toContain('production')
    expect(pointer('production')).toEqual(newer)
    expect(versions()).toEqual(['1.0.0', '1.1.0'])
  })

  it('publishes a published release\'s tag version to production, like a tag push', async () => {
    const payload = examplePayload('release', (example) => example.action === 'published')
    payload.release.tag_name = 'v2.0.0'
    const result = await run({ eventName: 'release', payload, ref: 'refs/tags/v2.0.0' })
    expect(result.exitCode).toBe(0)
    expect(pointer('production')).toMatchObject({ version: '2.0.0', channel: 'production' })
  })

  it('publishes nothing for a push that deletes a tag', async () => {
    const payload = examplePayload('push', (example) => example.deleted === true)
    const result = await run({ eventName: 'push', payload, ref: payload.ref })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('Nothing was published: the push deleted simple-tag')
    expect(existsSync(registry)).toBe(false)
  })
})
