import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packWebDir } from '../src/bundle/pack.js'
import { buildSummary } from '../src/github/summary.js'
import { escapeMarkdown } from '../src/github/markdown.js'
import { makeWorkspace, runAction } from './helpers/action.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { ownTempName, placeWhole, testCacheDir } from './helpers/test-cache.js'

/** Every path under a folder, to show nothing landed outside the registry. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
}

describe('hardening through the built action', () => {
  let workspace: string
  beforeEach(() => {
    workspace = makeWorkspace()
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const tagPush = (inputs: Record<string, string> = {}) =>
    runAction({ cwd: workspace, eventName: 'push', ref: 'refs/tags/v1.0.0', payload: pushPayload('refs/tags/v1.0.0'), inputs: { 'working-directory': 'app', ...inputs } })

  it('refuses a hostile appId in capacitor.config.json and writes nothing anywhere', async () => {
    writeFileSync(join(workspace, 'app', 'capacitor.config.json'), JSON.stringify({ appId: '../../escaped', webDir: 'dist' }))
    const before = tree(workspace).filter((p) => !p.startsWith('app'))
    const result = await tagPush()
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::The appId of capacitor\.config\.json "\.\.\/\.\.\/escaped" may only use letters/)
    expect(tree(workspace).filter((p) => !p.startsWith('app'))).toEqual(before)
    expect(existsSync(join(workspace, '..', 'escaped'))).toBe(false)
  })

  it('turns a hostile branch name into a safe channel and version', async () => {
    const ref = 'refs/heads/../../../tmp/x;rm -rf $HOME'
    const result = await runAction({ cwd: workspace, eventName: 'push', ref, payload: pushPayload(ref), inputs: { 'working-directory': 'app' } })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.channel).toMatch(/^[a-z0-9._-]+$/)
    expect(tree(join(workspace, '.live-updates')).every((p) => !p.includes('..'))).toBe(true)
  })

  it('allows a registry-path and a web-dir outside the workspace', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'outside-'))
    try {
      mkdirSync(join(outside, 'web'))
      writeFileSync(join(outside, 'web', 'index.html'), '<p>outside</p>')
      const result = await tagPush({ 'registry-path': join(outside, 'registry'), 'web-dir': join(outside, 'web'), 'build-command': 'none' })
      expect(result.exitCode).toBe(0)
      expect(existsSync(join(outside, 'registry', 'com.example.liveupdate', 'channels', 'production.json'))).toBe(true)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it('refuses a symlink in the web dir that points outside it, before anything is written', async () => {
    writeFileSync(join(workspace, 'secrets.env'), 'TOKEN=1')
    mkdirSync(join(workspace, 'web'))
    writeFileSync(join(workspace, 'web', 'index.html'), '<p>x</p>')
    symlinkSync(join(workspace, 'secrets.env'), join(workspace, 'web', 'config.env'))
    const result = await tagPush({ 'web-dir': join(workspace, 'web'), 'build-command': 'none' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::The web dir has a symlink config.env that points outside it')
    expect(existsSync(join(workspace, '.live-updates'))).toBe(false)
  })

  it('escapes a hostile branch name in the summary', async () => {
    const ref = 'refs/heads/<b>x</b>|[a](b)'
    const result = await runAction({ cwd: workspace, eventName: 'push', ref, payload: pushPayload(ref), inputs: { 'working-directory': 'app' } })
    expect(result.exitCode).toBe(0)
    expect(result.summary).toContain('push to branch')
    expect(result.summary).not.toMatch(/<b>|\[a\]\(b\)/)
  })

  it('keeps a hostile pull request title and branch inert in the summary', async () => {
    const payload = pullRequestPayload('opened')
    payload.pull_request.title = '<img src=x onerror=alert(1)> [click](http://evil)'
    payload.pull_request.head.ref = 'feat/<script>alert(1)</script>'
    const result = await runAction({ cwd: workspace, eventName: 'pull_request', ref: 'refs/pull/2/merge', payload, inputs: { 'working-directory': 'app' } })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.channel).toBe('pr-2')
    expect(result.summary).toContain('pull request \\#2')
    expect(result.summary).not.toMatch(/<img|<script>|\[click\]\(http/)
  })
})

const smallFile = (index: number) => `export const v = ${index}\n`

/**
 * A web dir of 30 folders of 1,000 small files and an index.html, made once into
 * node_modules/.cache (the name holds what decides its contents): writing and removing
 * 30,000 files took longer than packing them, and seconds more when the disk was busy.
 * The pack only reads it.
 */
function thirtyThousandFiles(): string {
  const hash = createHash('sha256').update(smallFile.toString()).digest('hex').slice(0, 16)
  const web = join(testCacheDir, `web-30x1000-files-${hash}`)
  if (existsSync(web)) return web
  // Made in a folder of this process first: only a whole one is ever found under its name.
  const temp = ownTempName(web)
  rmSync(temp, { recursive: true, force: true })
  for (let d = 0; d < 30; d++) {
    mkdirSync(join(temp, `d${d}`), { recursive: true })
    for (let f = 0; f < 1000; f++) writeFileSync(join(temp, `d${d}`, `f${f}.js`), smallFile(f))
  }
  writeFileSync(join(temp, 'index.html'), '<p>many</p>')
  placeWhole(temp, web)
  return web
}

describe('limits of the web dir', () => {
  let temp: string
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), "limits-"))
  })
  afterEach(() => rmSync(temp, { recursive: true, force: true }))

  it('packs 30,000 small files', async () => {
    const bundle = await packWebDir(thirtyThousandFiles(), join(temp, 'b.zip'))
    expect(bundle.files).toHaveLength(30_001)
  }, 120_000)

  it('refuses a file over 2 GiB with a clear limit, not a crash', async () => {
    const web = join(temp, 'web')
    mkdirSync(web)
    writeFileSync(join(web, 'index.html'), '<p>big</p>')
    // Sparse: 2 GiB + 1 byte that costs no disk.
    const fd = openSync(join(web, 'video.mp4'), 'w')
    ftruncateSync(fd, 2 * 1024 ** 3 + 1)
    closeSync(fd)
    await expect(packWebDir(web, join(temp, 'b.zip'))).rejects.toThrow(/The web dir file video\.mp4 is 2147483649 bytes, over the 2147483648-byte limit/)
  })
})

describe('escapeMarkdown', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert\\(1\\)&lt;/script&gt;'],
    ['[link](javascript:x)', '\\[link\\]\\(javascript:x\\)'],
    ['**bold** `code` | pipe', '\\*\\*bold\\*\\* \\`code\\` \\| pipe'],
    ['@everyone #1', '\\@everyone \\#1'],
    ['line\nbreak', 'line break']
  ])('makes %j inert', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected)
  })

  it('keeps a hostile origin inert in the summary', () => {
    const summary = buildSummary({
      backend: 'folder',
      timings: [],
      outcome: { kind: 'failed', error: '<img src=x onerror=alert(1)>' },
      target: { kind: 'publish', channel: 'c', version: '1.0.0', commit: '', origin: 'push to branch <b>[x](y)</b>' }
    })
    expect(summary).not.toMatch(/<img|<b>|\[x\]\(y\)/)
  })
})
