import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { packWebDir, type PackedBundle } from '../src/bundle/pack.js'
import { GrowingFile, readReusable, type PreviousBundle } from '../src/bundle/reuse.js'
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

  it('lists every file with its size and sha256, sorted, and hashes the archive (MD5 too, when asked for)', async () => {
    expect((await packWebDir(web, join(temp, 'plain.zip'))).md5).toBeUndefined()
    const bundle = await packWebDir(web, join(temp, 'a.zip'), { md5: true })
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
    const bundle = await packWebDir(web, join(temp, 'a.zip'), { md5: true })
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

  /** A previous archive on disk, whole, as the registry gives one once read: `verified` is what the check against its manifest found. */
  const previousOf = (packed: PackedBundle, verified = true, reached: (offset: number) => Promise<boolean> = async () => true): PreviousBundle => {
    const bytes = readFileSync(packed.archivePath)
    return { archivePath: packed.archivePath, files: packed.files, size: bytes.length, tail: bytes, reached, verified: Promise.resolve(verified) }
  }

  it('takes the unchanged files\' deflated entries from the previous archive: the same bytes as a fresh pack', async () => {
    writeFileSync(join(web, 'assets', 'other.js'), 'export const other = 1\n'.repeat(200))
    const previous = await packWebDir(web, join(temp, 'previous.zip'))
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(2)\n'.repeat(100))
    const reuse = await readReusable(previousOf(previous))
    expect([...reuse.entries.keys()].sort()).toEqual(['assets/app.js', 'assets/other.js', 'index.html'])
    // app.js changed: its entry of the previous archive does not match and it is deflated again.
    const reused = await packWebDir(web, join(temp, 'reused.zip'), { reuse: async () => reuse, preparer: 'workers' })
    const fresh = await packWebDir(web, join(temp, 'fresh.zip'))
    expect(readFileSync(reused.archivePath).equals(readFileSync(fresh.archivePath))).toBe(true)
    expect(reused.files).toEqual(fresh.files)
    for (const entry of await readZip(reused.archivePath)) expect(entry.data.equals(readFileSync(join(web, entry.name)))).toBe(true)
  })

  it('takes each entry once the previous archive has arrived past it, and deflates a file whose entry never arrives', async () => {
    writeFileSync(join(web, 'assets', 'other.js'), 'export const other = 1\n'.repeat(200))
    const previous = await packWebDir(web, join(temp, 'previous.zip'))
    const asked: number[] = []
    // The archive arrives later, and stops before its last entry: that one is deflated again.
    const lastEntry = Math.max(...[...(await readReusable(previousOf(previous))).entries.values()].map((e) => e.headerOffset))
    const arriving = async (offset: number) => (asked.push(offset), await new Promise((resolve) => setTimeout(resolve, 20)), offset <= lastEntry)
    const reuse = await readReusable(previousOf(previous, true, arriving))
    const reused = await packWebDir(web, join(temp, 'reused.zip'), { reuse: async () => reuse, preparer: 'workers' })
    expect(asked).toHaveLength(3)
    // The last entry never arrived: two taken, that one deflated again, to the same bytes.
    expect(reused.reuse).toEqual({ kind: 'taken', entries: 2 })
    expect(readFileSync(reused.archivePath).equals(readFileSync((await packWebDir(web, join(temp, 'fresh.zip'))).archivePath))).toBe(true)
  })

  it('reuses nothing of an archive whose central directory starts before the tail that was read (a bundle of some 40,000 files)', async () => {
    const previous = await packWebDir(web, join(temp, 'previous.zip'))
    const bytes = readFileSync(previous.archivePath)
    const shortTail = { ...previousOf(previous), tail: bytes.subarray(bytes.length - 30) }
    await expect(readReusable(shortTail)).rejects.toThrow(/central directory starts before the tail/)
  })

  it('takes those entries as they are, so a pack from an archive that did not check out against its manifest is made again without them', async () => {
    writeFileSync(join(web, 'assets', 'other.js'), 'export const other = 1\n'.repeat(200))
    const previous = await packWebDir(web, join(temp, 'previous.zip'))
    const bytes = readFileSync(previous.archivePath)
    const entry = (await readReusable(previousOf(previous))).entries.get('assets/other.js')!
    const dataStart = entry.headerOffset + 30 + bytes.readUInt16LE(entry.headerOffset + 26) + bytes.readUInt16LE(entry.headerOffset + 28)
    bytes[dataStart + (entry.compressedSize >> 1)] ^= 0x01
    writeFileSync(previous.archivePath, bytes)
    const fresh = readFileSync((await packWebDir(web, join(temp, 'fresh.zip'))).archivePath)
    // Vouched for (as if it matched its manifest), the changed byte ships: the check is what keeps it out.
    const vouched = readFileSync((await packWebDir(web, join(temp, 'vouched.zip'), { reuse: () => readReusable(previousOf(previous)), preparer: 'workers' })).archivePath)
    expect(vouched.includes(bytes.subarray(dataStart, dataStart + entry.compressedSize))).toBe(true)
    expect(vouched.equals(fresh)).toBe(false)
    const checked = await packWebDir(web, join(temp, 'checked.zip'), { reuse: () => readReusable(previousOf(previous, false)), preparer: 'workers' })
    expect(readFileSync(checked.archivePath).equals(fresh)).toBe(true)
  })

  it('tells who waits for bytes of a growing file once they are written, and never after the writer started again', async () => {
    const file = new GrowingFile()
    const early = file.reached(10)
    const late = file.reached(30)
    file.wrote(0)
    file.wrote(16)
    expect(await early).toBe(true)
    // A retry writes from the front: bytes read from the first attempt may not be the file's.
    file.wrote(0)
    expect([await late, await file.reached(5), file.restarted]).toEqual([false, false, true])
    const stopped = new GrowingFile()
    stopped.wrote(8)
    stopped.stop()
    expect([await stopped.reached(8), await stopped.reached(9)]).toEqual([true, false])
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
