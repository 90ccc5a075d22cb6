/**
 * The registry's content-addressed files (docs/architecture.md, Registry): each file of a
 * bundle stored once by its sha256, brotli-compressed as @capgo/capacitor-updater decodes
 * a `.br` file_name (DownloadService.java, 8.51.23); a publish sends only the files the
 * registry lacks; removing a preview removes only the files no other bundle names.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync } from 'node:zlib'
import { packWebDir } from '../src/bundle/pack.js'
import { sha256 } from '../src/sha256.js'
import { runAction, type ActionOptions } from './helpers/action.js'
import type { FakeGitHub } from './helpers/github-server.js'
import { localS3Inputs, withFakeGitHub, withLocalS3, withWorkspace } from './helpers/lifecycle.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'

const APP = 'com.example.liveupdate'
const TOKEN = 'ghs_' + 'F1l3s0'.repeat(6)

interface StoredManifest { files: Array<{ path: string; size: number; sha256: string }> }

/** The bytes a device ends with: `.br` decoded, as the plugin does before it checks file_hash. */
function decoded(name: string, bytes: Buffer): Buffer {
  return name.endsWith('.br') ? brotliDecompressSync(bytes) : bytes
}

describe('content-addressed files', () => {
  const fake = withFakeGitHub()
  const workspaceOf = withWorkspace()
  const local = withLocalS3()
  let workspace: string
  let github: FakeGitHub
  beforeEach(() => {
    workspace = workspaceOf.dir
    github = fake.github
  })
  const registry = () => join(workspace, '.live-updates')
  const run = (options: Partial<ActionOptions> & Pick<ActionOptions, 'eventName'>, inputs: Record<string, string>) =>
    runAction({ cwd: workspace, ...options, inputs: { 'working-directory': 'app', 'github-token': TOKEN, ...inputs }, env: { GITHUB_API_URL: github.url } })
  const tagPush = (tag: string, inputs: Record<string, string>, services?: ActionOptions['services']) =>
    run({ eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`), services }, inputs)
  const pullRequest = (action: string, inputs: Record<string, string>, services?: ActionOptions['services']) =>
    run({ eventName: 'pull_request', ref: 'refs/pull/2/merge', payload: pullRequestPayload(action), services }, inputs)
  const folder = () => ({ 'registry-path': registry() })
  const manifestOf = (version: string): StoredManifest => JSON.parse(readFileSync(join(registry(), APP, 'bundles', version, 'manifest.json'), 'utf8'))
  const storedFiles = () => readdirSync(join(registry(), APP, 'files')).sort()
  /** The checksum of a pack from nothing of the web dir the last run built. */
  const freshChecksum = async () => (await packWebDir(join(workspace, 'app', 'dist'), join(workspace, 'fresh.zip'))).checksum
  /** Three scripts that deflate, for a pack on the workers (below 4 MB a pack runs on the main thread), which takes entries from the previous bundle. */
  const addScripts = () => {
    for (const part of [1, 2, 3]) {
      const lines = Array.from({ length: 600 }, (_, i) => `// ${createHash('sha256').update(`${part}-${i}`).digest('base64')}\n`)
      writeFileSync(join(workspace, 'app', 'src', `script-${part}.js`), lines.join(''))
    }
  }
  const onWorkers: ActionOptions['services'] = { pack: { preparer: 'workers' } }

  it('stores every file of the bundle once, by the sha256 of its decoded bytes', async () => {
    expect((await tagPush('v1.0.0', folder())).exitCode).toBe(0)
    const manifest = manifestOf('1.0.0')
    const names = storedFiles()
    expect(names.length).toBe(new Set(manifest.files.map((f) => f.sha256)).size)
    for (const file of manifest.files) {
      const name = names.find((n) => n.startsWith(file.sha256))
      expect(name).toBeDefined()
      const bytes = decoded(name!, readFileSync(join(registry(), APP, 'files', name!)))
      expect(sha256(bytes)).toBe(file.sha256)
      expect(bytes.length).toBe(file.size)
    }
    // Text is sent compressed, images as they are.
    expect(names.some((n) => n.endsWith('.br'))).toBe(true)
  })

  it('sends only the changed file to S3 on the next publish', async () => {
    const s3 = localS3Inputs(local, `files-${Date.now()}`)
    expect((await tagPush('v1.0.0', s3)).exitCode).toBe(0)
    const firstPuts = local.proxy.seen.filter((r) => r.startsWith('PUT ') && r.includes('/files/'))
    expect(firstPuts.length).toBeGreaterThan(2)
    local.proxy.seen = []
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    const second = await tagPush('v1.0.1', s3)
    expect(second.exitCode).toBe(0)
    const puts = local.proxy.seen.filter((r) => r.startsWith('PUT '))
    expect(puts.filter((r) => r.includes('/files/'))).toHaveLength(1)
    expect(second.stdout).toMatch(/files: 1 sent \(\d+ KiB\), \d+ already in the registry/)
  })

  it('packs again from nothing when the previous archive it took entries from had to be read a second time', async () => {
    addScripts()
    // A stored file last: the archive passes the 1 MB a read writes at a time, so its first attempt hands the pack entries before it breaks off.
    writeFileSync(join(workspace, 'app', 'src', 'zz-video.mp4'), randomBytes(2 * 1024 * 1024))
    const prefix = `cut-${Date.now()}`
    expect((await tagPush('v1.0.0', localS3Inputs(local, prefix), onWorkers)).exitCode).toBe(0)
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    // The whole archive (beside the read of its tail): its first attempt gives a changed byte and breaks off, the second starts the file again.
    local.proxy.rules = [{ method: 'GET', path: /\/bundles\/1\.0\.0\/bundle\.zip$/, ranged: false, times: [1], fault: 'cut' }]
    const second = await tagPush('v1.0.1', localS3Inputs(local, prefix), onWorkers)
    expect(second.exitCode).toBe(0)
    expect(local.proxy.seen.filter((r) => r.startsWith('GET ') && r.includes('/bundles/1.0.0/bundle.zip'))).toHaveLength(3)
    expect(second.stdout).toContain('the base release\'s bundle did not check out against its manifest once read, so it was packed again without it')
    expect(second.outputs.checksum).toBe(await freshChecksum())
  })

  it('lists the files when more than 100 are not named by the current release, reading every page: none is sent twice', async () => {
    const s3 = localS3Inputs(local, `pages-${Date.now()}`)
    // Pages of 50 keys (S3's are 1,000), so 120 files span pages and s3rver's continuation tokens.
    const services = { s3: { listPageKeys: 50 } }
    const assets = join(workspace, 'app', 'src', 'many')
    mkdirSync(assets)
    for (let index = 0; index < 120; index++) writeFileSync(join(assets, `${index}.txt`), `file ${index}\n`)
    expect((await tagPush('v1.0.0', s3, services)).exitCode).toBe(0)
    local.proxy.seen = []
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    // Another channel, without a release: no manifest vouches for the 120 files stored by production's publish.
    const second = await tagPush('v1.0.1', { ...s3, channel: 'beta' }, services)
    expect(second.exitCode).toBe(0)
    expect(local.proxy.seen.filter((r) => r.startsWith('PUT ') && r.includes('/files/'))).toHaveLength(1)
    expect(local.proxy.seen.filter((r) => r.startsWith('GET ') && r.includes('continuation-token')).length).toBeGreaterThan(0)
    expect(second.stdout).toMatch(/files: 1 sent \(\d+ KiB\), 12\d already in the registry/)
  })

  it('packs a new version from the channel\'s current bundle: the same bytes as a pack from nothing', async () => {
    addScripts()
    const prefix = `reuse-${Date.now()}`
    expect((await tagPush('v1.0.0', localS3Inputs(local, prefix), onWorkers)).exitCode).toBe(0)
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    local.proxy.seen = []
    const second = await tagPush('v1.0.1', localS3Inputs(local, prefix), onWorkers)
    expect(second.exitCode).toBe(0)
    expect(local.proxy.seen).toContain(`GET /${local.s3.bucket}/${prefix}/${APP}/bundles/1.0.0/bundle.zip`)
    // Every unchanged text file: the three scripts and the page, not the changed app.js.
    expect(Number(/(\d+) deflated entries taken from the base release's bundle/.exec(second.stdout)?.[1])).toBeGreaterThanOrEqual(4)
    expect(second.outputs.checksum).toBe(await freshChecksum())
  })

  it('reuses nothing of a current bundle that does not match its manifest', async () => {
    addScripts()
    expect((await tagPush('v1.0.0', folder(), onWorkers)).exitCode).toBe(0)
    const zip = join(registry(), APP, 'bundles', '1.0.0', 'bundle.zip')
    const bytes = readFileSync(zip)
    bytes[bytes.length >> 1] ^= 0x01
    writeFileSync(zip, bytes)
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    const second = await tagPush('v1.0.1', folder(), onWorkers)
    expect(second.exitCode).toBe(0)
    expect(second.stdout).toContain('the base release\'s bundle did not check out against its manifest once read, so it was packed again without it')
    expect(second.outputs.checksum).toBe(await freshChecksum())
  })

  it('asks only about the files the channel\'s current release does not name: one HEAD, no listing, for a one-file change', async () => {
    const s3 = localS3Inputs(local, `known-${Date.now()}`)
    expect((await tagPush('v1.0.0', s3)).exitCode).toBe(0)
    local.proxy.seen = []
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    const second = await tagPush('v1.0.1', s3)
    expect(second.exitCode).toBe(0)
    const files = local.proxy.seen.filter((r) => r.includes('/files/') || r.includes('%2Ffiles%2F'))
    expect(files.filter((r) => r.includes('list-type=2'))).toEqual([])
    // The changed file: asked about once, then sent only if still absent (If-None-Match), not asked again.
    expect(files.filter((r) => r.startsWith('HEAD '))).toHaveLength(1)
    expect(files.filter((r) => r.startsWith('PUT '))).toHaveLength(1)
  })

  it('starts a pull request\'s first preview from production\'s release: its zip is read, its files are not asked about', async () => {
    addScripts()
    const s3 = localS3Inputs(local, `preview-base-${Date.now()}`)
    expect((await tagPush('v1.0.0', s3, onWorkers)).exitCode).toBe(0)
    local.proxy.seen = []
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("preview")\n')
    const preview = await pullRequest('opened', s3, onWorkers)
    expect(preview.exitCode).toBe(0)
    expect(local.proxy.seen).toContain(`GET /${local.s3.bucket}/${s3['s3-prefix']}/${APP}/bundles/1.0.0/bundle.zip`)
    const files = local.proxy.seen.filter((r) => r.includes('/files/') || r.includes('%2Ffiles%2F'))
    expect(files.filter((r) => r.includes('list-type=2'))).toEqual([])
    expect(files.filter((r) => r.startsWith('PUT '))).toHaveLength(1)
    expect(preview.stdout).toMatch(/files: 1 sent \(\d+ KiB\), \d+ already in the registry/)
  })

  it('sends a file another bundle stored when a collection removed it before the publish', async () => {
    expect((await tagPush('v1.0.0', folder())).exitCode).toBe(0)
    const production = new Set(storedFiles())
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("from the pull request")\n')
    expect((await pullRequest('opened', folder())).exitCode).toBe(0)
    const [previewOnly] = storedFiles().filter((name) => !production.has(name))
    // The merged change goes to production while closing the pull request collects its file, named by no manifest now.
    const second = await tagPush('v1.0.1', { ...folder(), 'build-command': `rm ${join(registry(), APP, 'files', previewOnly)}` })
    expect(second.exitCode).toBe(0)
    expect(second.stdout).toMatch(/files: 1 sent \(\d+ KiB\), \d+ already in the registry/)
    expect(storedFiles()).toContain(previewOnly)
  })

  it('takes the current release\'s files as stored only while its manifest is', async () => {
    const s3 = localS3Inputs(local, `vouch-${Date.now()}`)
    local.proxy.seen = []
    expect((await tagPush('v1.0.0', s3)).exitCode).toBe(0)
    const fileCount = local.proxy.seen.filter((r) => r.startsWith('PUT ') && r.includes('/files/')).length
    local.proxy.seen = []
    // 1.0.0's manifest is gone when the publish checks it, after writing its own (as if removed meanwhile).
    local.proxy.rules = [{ method: 'HEAD', path: new RegExp(`/bundles/1\\.0\\.0/manifest\\.json$`), times: 'always', fault: { status: 404, body: '' } }]
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("one change")\n')
    expect((await tagPush('v1.0.1', s3)).exitCode).toBe(0)
    // Every file is asked about, none taken on the word of a manifest that is not there.
    expect(local.proxy.seen.filter((r) => r.startsWith('HEAD ') && r.includes('/files/')).length).toBeGreaterThanOrEqual(fileCount)
  })

  it('removing a preview keeps the files production still uses and removes the rest', async () => {
    expect((await tagPush('v1.0.0', folder())).exitCode).toBe(0)
    const production = new Set(manifestOf('1.0.0').files.map((f) => f.sha256))
    appendFileSync(join(workspace, 'app', 'src', 'app.js'), '\nconsole.log("preview only")\n')
    expect((await pullRequest('opened', folder())).exitCode).toBe(0)
    const previewOnly = storedFiles().filter((name) => !production.has(name.replace(/\.br$/, '')))
    expect(previewOnly).toHaveLength(1)
    expect((await pullRequest('closed', folder())).exitCode).toBe(0)
    expect(existsSync(join(registry(), APP, 'files', previewOnly[0]))).toBe(false)
    expect(storedFiles().map((name) => name.replace(/\.br$/, '')).sort()).toEqual([...production].sort())
  })
})
