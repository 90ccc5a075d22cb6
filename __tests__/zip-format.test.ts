import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packWebDir } from '../src/bundle/pack.js'
import { centralDirectory, type EntryRecord } from '../src/bundle/zip-format.js'

const MiB = 1024 * 1024
const entry = (offset: number): EntryRecord => ({ name: Buffer.from('a.txt'), method: 0, crc32: 0, compressedSize: 0, size: 0, offset })

interface LocalHeader {
  name: string
  flags: number
  method: number
  crc32: number
  compressedSize: number
  size: number
}

/** Walks the archive front to back by its local headers only, as a streaming reader does. */
function localHeaders(archive: Buffer): LocalHeader[] {
  const headers: LocalHeader[] = []
  let at = 0
  while (archive.readUInt32LE(at) === 0x04034b50) {
    const nameLength = archive.readUInt16LE(at + 26)
    const extraLength = archive.readUInt16LE(at + 28)
    const header = {
      name: archive.subarray(at + 30, at + 30 + nameLength).toString('utf8'),
      flags: archive.readUInt16LE(at + 6),
      method: archive.readUInt16LE(at + 8),
      crc32: archive.readUInt32LE(at + 14),
      compressedSize: archive.readUInt32LE(at + 18),
      size: archive.readUInt32LE(at + 22)
    }
    headers.push(header)
    at += 30 + nameLength + extraLength + header.compressedSize
  }
  // Right after the last entry's data: the central directory, nothing in between.
  expect(archive.readUInt32LE(at)).toBe(0x02014b50)
  return headers
}

describe('local headers', () => {
  let temp: string
  let headers: LocalHeader[]
  const bigText = Buffer.from('live-update '.repeat(Math.ceil((5 * MiB + 7) / 12))).subarray(0, 5 * MiB + 7)
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'zip-format-'))
    const web = join(temp, 'web')
    mkdirSync(web)
    writeFileSync(join(web, 'index.html'), '<!doctype html>')
    writeFileSync(join(web, 'check.txt'), '123456789')
    writeFileSync(join(web, 'fox.txt'), 'The quick brown fox jumps over the lazy dog')
    writeFileSync(join(web, 'empty.txt'), '')
    writeFileSync(join(web, 'big.js'), bigText)
    writeFileSync(join(web, 'big.png'), Buffer.alloc(5 * MiB + 3, 0xab))
    headers = localHeaders(readFileSync((await packWebDir(web, join(temp, 'a.zip'))).archivePath))
  })
  afterAll(() => rmSync(temp, { recursive: true, force: true }))

  const header = (name: string) => headers.find((h) => h.name === name)!

  // Expected CRC-32 values: the standard check value of "123456789", and values from Python's zlib.crc32.
  it('carry the known CRC-32 and sizes of small files', () => {
    expect(header('check.txt')).toMatchObject({ crc32: 0xcbf43926, size: 9, compressedSize: 9, method: 0 })
    expect(header('fox.txt')).toMatchObject({ crc32: 0x414fa339, size: 43 })
    expect(header('empty.txt')).toMatchObject({ crc32: 0, size: 0, compressedSize: 0, method: 0 })
  })

  it('carry the CRC-32 and sizes of streamed files over 4 MiB, deflated or stored', () => {
    expect(header('big.js')).toMatchObject({ crc32: 0x7a6171d2, size: 5 * MiB + 7, method: 8 })
    expect(header('big.js').compressedSize).toBeLessThan(MiB)
    expect(header('big.png')).toMatchObject({ crc32: 0x705472b1, size: 5 * MiB + 3, compressedSize: 5 * MiB + 3, method: 0 })
  })

  it('never use a data descriptor, and say the names are UTF-8', () => {
    expect(headers.map((h) => h.name)).toEqual(['big.js', 'big.png', 'check.txt', 'empty.txt', 'fox.txt', 'index.html'])
    for (const h of headers) expect(h.flags).toBe(0x0800)
  })
})

describe('central directory', () => {
  it('writes a plain end record while counts and offsets fit in 16 and 32 bits', () => {
    const end = centralDirectory([entry(0)], 100)
    const eocd = end.subarray(end.length - 22)
    expect(eocd.readUInt32LE(0)).toBe(0x06054b50)
    expect(eocd.readUInt16LE(10)).toBe(1)
    expect(eocd.readUInt32LE(16)).toBe(100)
    expect(end.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(false)
  })

  it('adds zip64 records past 65,534 entries or a 4 GB offset', () => {
    const many = centralDirectory(Array.from({ length: 70_000 }, () => entry(0)), 10)
    const eocd = many.subarray(many.length - 22)
    expect(eocd.readUInt16LE(10)).toBe(0xffff)
    const end64 = many.subarray(many.length - 22 - 20 - 56)
    expect(end64.readUInt32LE(0)).toBe(0x06064b50)
    expect(end64.readBigUInt64LE(32)).toBe(70_000n)

    const far = centralDirectory([entry(5 * 1024 ** 3)], 5 * 1024 ** 3 + 100)
    // The central record points at a zip64 extra field holding the real offset.
    expect(far.readUInt32LE(42)).toBe(0xffffffff)
    expect(far.readBigUInt64LE(46 + 5 + 4)).toBe(BigInt(5 * 1024 ** 3))
    expect(far.subarray(far.length - 22).readUInt32LE(16)).toBe(0xffffffff)
  })

  it('uses the same zip64 records from a lower threshold, for tests on small archives', () => {
    const forced = centralDirectory([entry(0), entry(200)], 300, { offset: 100, entries: 0 })
    const second = forced.subarray(46 + 5)
    expect(forced.readUInt32LE(42)).toBe(0) // under the threshold: plain offset
    expect(second.readUInt32LE(42)).toBe(0xffffffff)
    expect(second.readBigUInt64LE(46 + 5 + 4)).toBe(200n)
    expect(forced.subarray(forced.length - 22 - 20 - 56).readBigUInt64LE(48)).toBe(300n)
  })
})
