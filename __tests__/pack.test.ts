import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { packWebDir } from '../src/bundle/pack.js'
import { readReusable } from '../src/bundle/reuse.js'
import { readZip } from './helpers/zip.js'

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex')

describe('packWebDir', () => {
  let temp: string
  let web: string
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'pack-'))
    web = join(temp, 'web')
    mkdirSync(join(web, 'assets', 'img'), { recursive: true })
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>x</title>'.repeat(50))
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)\n'.repeat(100))
    writeFileSync(join(web, 'assets', 'img', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]))
    writeFileSync(join(web, 'empty.txt'), '')
  })
  afterEach(() => rmSync(temp, { recursive: true, force: true }))

  it('lists every file with its size and sha256, sorted, and hashes the archive', async () => {
    const bundle = await packWebDir(web, join(temp, 'a.zip'))
    expect(bundle.files.map((f) => f.path)).toEqual(['assets/app.js', 'assets/img/logo.png', 'empty.txt', 'index.html'])
    const app = readFileSync(join(web, 'assets', 'app.js'))
    expect(bundle.files[0]).toEqual({ path: 'assets/app.js', size: app.length, sha256: sha256(app) })
    const archive = readFileSync(bundle.archivePath)
    expect(bundle.checksum).toBe(sha256(archive))
    expect(bundle.md5).toBe(md5(archive))
    expect(bundle.size).toBe(archive.length)
  })

  it('writes a zip another reader opens, with the same bytes per file and mode 644', async () => {
    const bundle = await packWebDir(web, join(temp, 'a.zip'))
    const entries = await readZip(bundle.archivePath)
    expect(entries.map((e) => e.name)).toEqual(bundle.files.map((f) => f.path))
    for (const entry of entries) {
      expect(entry.data.equals(readFileSync(join(web, entry.name)))).toBe(true)
      expect(entry.mode).toBe(0o644)
    }
  })

  it('is byte-for-byte the same whatever the files mtimes, modes and time zone', async () => {
    const first = await packWebDir(web, join(temp, 'a.zip'))
    utimesSync(join(web, 'index.html'), new Date('2001-02-03'), new Date('2001-02-03'))
    chmodSync(join(web, 'assets', 'app.js'), 0o755)
    const originalTz = process.env.TZ
    process.env.TZ = 'Pacific/Kiritimati'
    try {
      const second = await packWebDir(web, join(temp, 'b.zip'))
      expect(second.checksum).toBe(first.checksum)
      expect(readFileSync(second.archivePath).equals(readFileSync(first.archivePath))).toBe(true)
    } finally {
      process.env.TZ = originalTz
    }
  })

  it('writes the same bytes whether the files are prepared on the worker threads or on the main thread', async () => {
    writeFileSync(join(web, 'assets', 'noise.bin'), randomBytes(3000)) // deflate does not shrink it: stored
    writeFileSync(join(web, 'assets', 'data.json'), Buffer.alloc(2 * 1024 * 1024, '{"a":1}\n'))
    const workers = await packWebDir(web, join(temp, 'workers.zip'), { preparer: 'workers' })
    const mainThread = await packWebDir(web, join(temp, 'main.zip'), { preparer: 'main thread' })
    expect(readFileSync(mainThread.archivePath).equals(readFileSync(workers.archivePath))).toBe(true)
    expect(mainThread).toEqual({ ...workers, archivePath: mainThread.archivePath })
    // And the choice by size takes the main thread for this bundle, with the same bytes again.
    expect((await packWebDir(web, join(temp, 'chosen.zip'))).checksum).toBe(workers.checksum)
  })

  it('streams files over 4 MB, deflated or stored, with CRCs and sizes another reader checks', async () => {
    const text = Buffer.from('export const value = 42;\n'.repeat(250_000))
    const image = randomBytes(5 * 1024 * 1024)
    writeFileSync(join(web, 'assets', 'big.js'), text)
    writeFileSync(join(web, 'assets', 'img', 'big.png'), image)
    const bundle = await packWebDir(web, join(temp, 'a.zip'))
    const entries = await readZip(bundle.archivePath)
    const big = entries.find((e) => e.name === 'assets/big.js')
    expect(big?.data.equals(text)).toBe(true)
    expect(entries.find((e) => e.name === 'assets/img/big.png')?.data.equals(image)).toBe(true)
    for (const entry of entries) expect(entry.crc32).toBe(crc32(entry.data))
    expect(bundle.files.find((f) => f.path === 'assets/big.js')).toEqual({ path: 'assets/big.js', size: text.length, sha256: sha256(text) })
    // The text was deflated, the image stored.
    expect(bundle.size).toBeLessThan(image.length + text.length / 10)
    // Streamed entries' headers are written in place after their data: the digests are of the bytes on disk.
    const archive = readFileSync(bundle.archivePath)
    expect([bundle.checksum, bundle.md5]).toEqual([sha256(archive), md5(archive)])
  })

  it('takes the unchanged files\' deflated entries from the previous archive: the same bytes as a fresh pack', async () => {
    writeFileSync(join(web, 'assets', 'other.js'), 'export const other = 1\n'.repeat(200))
    const previous = await packWebDir(web, join(temp, 'previous.zip'))
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(2)\n'.repeat(100))
    const reuse = await readReusable({ archivePath: previous.archivePath, files: previous.files })
    expect([...reuse!.entries.keys()].sort()).toEqual(['assets/app.js', 'assets/other.js', 'index.html'])
    // app.js changed: its entry of the previous archive does not match and it is deflated again.
    const reused = await packWebDir(web, join(temp, 'reused.zip'), { reuse, preparer: 'workers' })
    const fresh = await packWebDir(web, join(temp, 'fresh.zip'))
    expect(readFileSync(reused.archivePath).equals(readFileSync(fresh.archivePath))).toBe(true)
    expect(reused.files).toEqual(fresh.files)
    for (const entry of await readZip(reused.archivePath)) expect(entry.data.equals(readFileSync(join(web, entry.name)))).toBe(true)
  })

  it('takes those entries as they are: a byte changed in one shows in the new archive, so only an archive checked against its manifest is given', async () => {
    writeFileSync(join(web, 'assets', 'other.js'), 'export const other = 1\n'.repeat(200))
    const previous = await packWebDir(web, join(temp, 'previous.zip'))
    const bytes = readFileSync(previous.archivePath)
    const entry = (await readReusable({ archivePath: previous.archivePath, files: previous.files }))!.entries.get('assets/other.js')!
    const dataStart = entry.headerOffset + 30 + bytes.readUInt16LE(entry.headerOffset + 26) + bytes.readUInt16LE(entry.headerOffset + 28)
    bytes[dataStart + (entry.compressedSize >> 1)] ^= 0x01
    writeFileSync(previous.archivePath, bytes)
    const reuse = await readReusable({ archivePath: previous.archivePath, files: previous.files })
    const reused = readFileSync((await packWebDir(web, join(temp, 'reused.zip'), { reuse, preparer: 'workers' })).archivePath)
    expect(reused.includes(bytes.subarray(dataStart, dataStart + entry.compressedSize))).toBe(true)
    expect(reused.equals(readFileSync((await packWebDir(web, join(temp, 'fresh.zip'))).archivePath))).toBe(false)
  })

  it('follows a symlink that stays inside the web dir', async () => {
    symlinkSync(join(web, 'index.html'), join(web, 'home.html'))
    const bundle = await packWebDir(web, join(temp, 'a.zip'))
    expect(bundle.files.find((f) => f.path === 'home.html')?.sha256).toBe(sha256(readFileSync(join(web, 'index.html'))))
  })

  it('refuses a symlink that leaves the web dir', async () => {
    writeFileSync(join(temp, 'secret.env'), 'TOKEN=1')
    symlinkSync(join(temp, 'secret.env'), join(web, 'config.env'))
    await expect(packWebDir(web, join(temp, 'a.zip'))).rejects.toThrow(
      'The web dir has a symlink config.env that points outside it: copy the file into the build output instead of linking it.'
    )
  })

  it('stops at a clear limit on file count and file size', async () => {
    await expect(packWebDir(web, join(temp, 'a.zip'), { limits: { maxFiles: 2, maxFileBytes: 1e9 } })).rejects.toThrow(/more than 2 files/)
    await expect(packWebDir(web, join(temp, 'a.zip'), { limits: { maxFiles: 100, maxFileBytes: 100 } })).rejects.toThrow(/over the 100-byte limit/)
  })
})
