import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFolderBackend } from '../src/backends/folder.js'
import { packWebDir } from '../src/bundle/pack.js'
import type { PublishRequest, PublishResult } from '../src/registry/types.js'

describe('folder registry', () => {
  let temp: string
  let root: string
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'registry-'))
    root = join(temp, 'registry')
  })
  afterEach(() => rmSync(temp, { recursive: true, force: true }))

  async function request(version: string, channel: string, content: string): Promise<PublishRequest> {
    const web = join(temp, `web-${version}-${content.length}`)
    mkdirSync(web, { recursive: true })
    writeFileSync(join(web, 'index.html'), content)
    const bundle = await packWebDir(web, join(temp, `${version}-${content.length}.zip`))
    return {
      appId: 'com.example.app',
      channel,
      version,
      archivePath: bundle.archivePath,
      checksum: bundle.checksum,
      size: bundle.size,
      manifest: {
        appId: 'com.example.app',
        version,
        channel,
        checksum: bundle.checksum,
        size: bundle.size,
        nativeFingerprint: 'f'.repeat(64),
        publishedAt: '2026-01-01T00:00:00.000Z',
        commit: 'abc',
        files: bundle.files,
        nativeSources: [],
        eligibility: { eligible: true, reasons: [], framework: 'capacitor' }
      }
    }
  }

  it('writes the bundle, its manifest and the channel pointer in DESIGN.md layout', async () => {
    const backend = createFolderBackend(root, 'https://cdn.example.com/updates')
    const result = (await backend.publish(await request('1.0.0', 'production', '<p>1</p>'))) as PublishResult
    const bundlePath = join(root, 'com.example.app/bundles/1.0.0/bundle.zip')
    expect(existsSync(bundlePath)).toBe(true)
    const manifest = JSON.parse(readFileSync(join(root, 'com.example.app/bundles/1.0.0/manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ version: '1.0.0', files: [{ path: 'index.html' }], url: 'https://cdn.example.com/updates/com.example.app/bundles/1.0.0/bundle.zip' })
    const pointer = JSON.parse(readFileSync(join(root, 'com.example.app/channels/production.json'), 'utf8'))
    expect(pointer).toEqual(result.pointer)
    expect(pointer).toMatchObject({ version: '1.0.0', checksum: result.pointer.checksum, url: manifest.url, previous: [], nativeFingerprint: 'f'.repeat(64) })
    expect(pointer.files).toBeUndefined()
    expect(readdirTemp(root)).toEqual([])
  })

  it('is a no-op for the same version and bytes, touching nothing', async () => {
    const backend = createFolderBackend(root)
    await backend.publish(await request('1.0.0', 'production', '<p>1</p>'))
    const pointerPath = join(root, 'com.example.app/channels/production.json')
    const before = statSync(pointerPath).mtimeMs
    const again = await backend.publish(await request('1.0.0', 'production', '<p>1</p>'))
    expect(again.kind).toBe('unchanged')
    expect(statSync(pointerPath).mtimeMs).toBe(before)
  })

  it('refuses the same version with other bytes and overwrites nothing', async () => {
    const backend = createFolderBackend(root)
    await backend.publish(await request('1.0.0', 'production', '<p>1</p>'))
    const bundlePath = join(root, 'com.example.app/bundles/1.0.0/bundle.zip')
    const bytes = readFileSync(bundlePath)
    const pointer = readFileSync(join(root, 'com.example.app/channels/production.json'))
    await expect(backend.publish(await request('1.0.0', 'production', '<p>other</p>'))).rejects.toThrow(
      /Version 1\.0\.0 of com\.example\.app is already in the registry .* with other content, and versions are immutable: bump the version/
    )
    expect(readFileSync(bundlePath).equals(bytes)).toBe(true)
    expect(readFileSync(join(root, 'com.example.app/channels/production.json')).equals(pointer)).toBe(true)
  })

  it('keeps the versions a channel had before in the pointer', async () => {
    const backend = createFolderBackend(root)
    const first = (await backend.publish(await request('1.0.0', 'production', '<p>1</p>'))) as PublishResult
    const second = (await backend.publish(await request('1.0.1', 'production', '<p>2</p>'))) as PublishResult
    expect(second.previousPointer?.version).toBe('1.0.0')
    const { version, url, checksum, size, nativeFingerprint, publishedAt } = first.pointer
    expect(second.pointer.previous).toEqual([{ version, url, checksum, size, nativeFingerprint, publishedAt }])
  })

  it('points a second channel at an existing version without storing it again', async () => {
    const backend = createFolderBackend(root)
    await backend.publish(await request('1.0.0', 'beta', '<p>1</p>'))
    const promoted = await backend.publish(await request('1.0.0', 'production', '<p>1</p>'))
    expect(promoted).toMatchObject({ kind: 'published', bundleCreated: false })
  })

  it('removes a channel and the bundles no other channel uses', async () => {
    const backend = createFolderBackend(root)
    await backend.publish(await request('1.0.0', 'production', '<p>1</p>'))
    await backend.publish(await request('1.0.0-pr.5.1', 'pr-5', '<p>a</p>'))
    await backend.publish(await request('1.0.0-pr.5.2', 'pr-5', '<p>b</p>'))
    await backend.publish(await request('1.0.0', 'pr-5', '<p>1</p>'))
    const removal = await backend.removeChannel('com.example.app', 'pr-5')
    expect(removal).toEqual({ removedPointer: true, removedVersions: ['1.0.0-pr.5.1', '1.0.0-pr.5.2'] })
    expect(existsSync(join(root, 'com.example.app/channels/pr-5.json'))).toBe(false)
    expect(existsSync(join(root, 'com.example.app/bundles/1.0.0/bundle.zip'))).toBe(true)
    expect(existsSync(join(root, 'com.example.app/bundles/1.0.0-pr.5.1'))).toBe(false)
    expect(await backend.removeChannel('com.example.app', 'pr-5')).toEqual({ removedPointer: false, removedVersions: [] })
  })
})

function readdirTemp(root: string): string[] {
  const found: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.tmp-')) found.push(entry.name)
      if (entry.isDirectory()) walk(join(dir, entry.name))
    }
  }
  walk(root)
  return found
}
