import { describe, expect, it } from '@jest/globals'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { centralDirectory, crc32, crc32Js, type EntryRecord } from '../src/bundle/zip-format.js'

const entry = (offset: number): EntryRecord => ({
  name: Buffer.from('a.txt'), method: 0, crc32: 0, compressedSize: 0, size: 0, offset, streamed: false
})

describe('zip records', () => {
  it('computes the CRC-32 zip readers check, in one go or chunk by chunk', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog')
    expect(crc32(data)).toBe(0x414fa339)
    expect(crc32(data.subarray(10), crc32(data.subarray(0, 10)))).toBe(zlibCrc32(data))
    expect(crc32Js(data.subarray(10), crc32Js(data.subarray(0, 10), 0))).toBe(zlibCrc32(data))
  })

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
})
