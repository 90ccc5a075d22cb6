import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeWorkspace, runAction, type ActionOptions } from './helpers/action.js'
import { examplePayload, pullRequestPayload, pushPayload } from './helpers/payloads.js'

const APP = 'com.example.liveupdate'

describe('the built action on the folder registry', () => {
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
  const pointer = (channel: string) => JSON.parse(readFileSync(join(registry, APP, 'channels', `${channel}.json`), 'utf8'))

  it('publishes a version tag to production, with every output and a summary', async () => {
    const result = await run({ eventName: 'push', ref: 'refs/tags/v1.2.3', payload: pushPayload('refs/tags/v1.2.3'), realNpm: true })
    expect(result.stdout).toMatch(/\[command\]\S*npm run build\n/)
    expect(result.stdout).toContain('Build: built with npm run build')
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const bundlePath = join(registry, APP, 'bundles', '1.2.3', 'bundle.zip')
    const checksum = createHash('sha256').update(readFileSync(bundlePath)).digest('hex')
    expect(result.outputs).toMatchObject({
      channel: 'production',
      version: '1.2.3',
      published: 'true',
      eligible: 'true',
      reasons: '[]',
      checksum,
      size: String(statSync(bundlePath).size),
      'bundle-url': `file://${bundlePath}`
    })
    expect(pointer('production')).toMatchObject({ version: '1.2.3', checksum, channel: 'production', commit: 'a'.repeat(40), previous: [] })
    const manifest = JSON.parse(readFileSync(join(registry, APP, 'bundles', '1.2.3', 'manifest.json'), 'utf8'))
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(['about.html', 'app.js', 'assets/logo.svg', 'index.html', 'styles.css'])
    for (const stage of ['Target', 'Build', 'Eligibility', 'Pack', 'Publish']) expect(result.stdout).toContain(`::group::${stage}`)
    expect(result.summary).toContain('Published `1.2.3` to channel `production`')
    expect(result.summary).toMatch(/\| Pack \| .* \| \d+ ms \|/)
    expect(result.summary).toContain(checksum)
  })

  it('re-runs the same tag as a success that changes nothing', async () => {
    await tagPush('v1.2.3')
    const pointerPath = join(registry, APP, 'channels', 'production.json')
    const before = readFileSync(pointerPath)
    const mtime = statSync(pointerPath).mtimeMs
    const again = await tagPush('v1.2.3')
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('1.2.3 was already on production: nothing changed')
    expect(readFileSync(pointerPath).equals(before)).toBe(true)
    expect(statSync(pointerPath).mtimeMs).toBe(mtime)
  })

  it('refuses the same version with other bytes and leaves the registry as it was', async () => {
    await tagPush('v1.2.3')
    const bundlePath = join(registry, APP, 'bundles', '1.2.3', 'bundle.zip')
    const before = readFileSync(bundlePath)
    writeFileSync(join(workspace, 'app', 'src', 'about.html'), '<p>changed</p>')
    const result = await tagPush('v1.2.3')
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::Version 1\.2\.3 of com\.example\.liveupdate is already in the registry .* versions are immutable: bump the version/)
    expect(readFileSync(bundlePath).equals(before)).toBe(true)
    expect(result.outputs.published).toBe('false')
  })

  it('publishes a pull request to its preview channel', async () => {
    const payload = pullRequestPayload('opened')
    const result = await run({ eventName: 'pull_request', ref: 'refs/pull/2/merge', payload, runNumber: 15 })
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ channel: 'pr-2', version: '1.0.0-pr.2.15', published: 'true' })
    expect(pointer('pr-2')).toMatchObject({ version: '1.0.0-pr.2.15', commit: payload.pull_request.head.sha })
  })

  it('removes the preview of a closed pull request', async () => {
    await run({ eventName: 'pull_request', payload: pullRequestPayload('synchronize'), runNumber: 3 })
    expect(existsSync(join(registry, APP, 'channels', 'pr-2.json'))).toBe(true)
    const result = await run({ eventName: 'pull_request', payload: pullRequestPayload('closed') })
    expect(result.exitCode).toBe(0)
    expect(existsSync(join(registry, APP, 'channels', 'pr-2.json'))).toBe(false)
    expect(existsSync(join(registry, APP, 'bundles', '1.0.0-pr.2.3'))).toBe(false)
    expect(result.outputs).toMatchObject({ channel: 'pr-2', published: 'false' })
    expect(result.summary).toContain('The preview was removed: channel `pr-2`')
  })

  it('publishes a branch push to the branch channel', async () => {
    const result = await run({ eventName: 'push', ref: 'refs/heads/main', payload: pushPayload('refs/heads/main'), runNumber: 9 })
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ channel: 'main', version: '1.0.0-main.9' })
  })

  it('publishes a workflow_dispatch run to the channel input', async () => {
    const payload = examplePayload('workflow_dispatch')
    const result = await run({ eventName: 'workflow_dispatch', ref: payload.ref, payload, inputs: { channel: 'beta', version: '1.0.1-beta.1' } })
    expect(result.exitCode).toBe(0)
    expect(pointer('beta')).toMatchObject({ version: '1.0.1-beta.1' })
  })

  it('skips the build with build-command none and uses a custom command otherwise', async () => {
    const none = await tagPush('v1.0.0', { 'build-command': 'none' })
    expect(none.exitCode).toBe(1)
    expect(none.stdout).toContain('does not exist after the build')
    const custom = await tagPush('v1.0.0', { 'build-command': 'node build.mjs && echo custom-build-ran' })
    expect(custom.exitCode).toBe(0)
    expect(custom.stdout).toContain('custom-build-ran')
  })

  it('fails on a failing build with its output visible', async () => {
    const result = await tagPush('v1.0.0', { 'build-command': 'echo compiler says no >&2; exit 3' })
    expect(result.exitCode).toBe(1)
    expect(result.stderr + result.stdout).toContain('compiler says no')
    expect(result.stdout).toContain('::error::The build-command input failed with exit code 3')
    expect(existsSync(registry)).toBe(false)
  })

  describe('bad input ends in one sentence, exit code 1 and an untouched registry', () => {
    const cases: [string, () => Promise<Awaited<ReturnType<typeof runAction>>>, RegExp][] = [
      ['a missing web dir', () => tagPush('v1.0.0', { 'web-dir': 'missing' }), /::error::The web-dir input "app\/missing" does not exist after the build: check the build output folder or set the web-dir input\./],
      ['a web dir without index.html', () => tagPush('v1.0.0', { 'web-dir': 'src/assets' }), /::error::The web-dir input "app\/src\/assets" has no index\.html at its root: point web-dir at the folder/],
      ['a version that is not semver', () => tagPush('v1.0.0', { version: '1.0' }), /::error::The version input "1\.0" is not a semantic version: use a version like 1\.2\.3/],
      ['an unknown backend', () => tagPush('v1.0.0', { backend: 'ftp' }), /::error::The backend input "ftp" is not known: use one of folder, s3, capgo\./],
      ['a channel with a slash', () => tagPush('v1.0.0', { channel: 'feature/x' }), /::error::The channel input "feature\/x" may only use letters/],
      ['a channel with ..', () => tagPush('v1.0.0', { channel: 'a..b' }), /::error::The channel input "a\.\.b" may only use/],
      ['an app id with ..', () => tagPush('v1.0.0', { 'app-id': '..' }), /::error::The app-id input "\.\." may only use/],
      ['an app id with a space', () => tagPush('v1.0.0', { 'app-id': 'com.example app' }), /::error::The app-id input "com\.example app" may only use/],
      ['a tag that is not a version', () => tagPush('release-candidate'), /::error::The tag "release-candidate" is not a version: name release tags like v1\.2\.3, or set the version input\./]
    ]
    it.each(cases)('%s', async (_name, act, message) => {
      const result = await act()
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(message)
      expect(result.stdout.match(/::error::/g)).toHaveLength(1)
      expect(existsSync(registry)).toBe(false)
    })
  })
})
