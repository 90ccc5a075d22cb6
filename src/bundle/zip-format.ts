import * as zlib from 'node:zlib'

/**
 * The few records of the zip format (PKWARE APPNOTE) that a deterministic archive needs:
 * a fixed time and mode, UTF-8 names, deflate or store, zip64 only past the 32-bit limits.
 */

export const METHOD_STORE = 0
export const METHOD_DEFLATE = 8

/** 1980-01-01 00:00, the earliest DOS time: fixed so the same files give the same bytes. */
const DOS_TIME = 0
const DOS_DATE = (1 << 5) | 1
const FLAG_UTF8 = 0x0800
/** Sizes and CRC follow the data (a streamed entry), not in the local header. */
const FLAG_DATA_DESCRIPTOR = 0x0008
const UNIX = 3
const VERSION_DEFAULT = 20
const VERSION_ZIP64 = 45
const MAX_32 = 0xffffffff
const MAX_16 = 0xffff
/** Regular file, rw-r--r--. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0

export interface EntryRecord {
  name: Buffer
  method: number
  crc32: number
  compressedSize: number
  size: number
  /** Offset of the entry's local header in the archive. */
  offset: number
  streamed: boolean
}

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** Exported for its test: Node before 20.15 has no zlib.crc32. */
export function crc32Js(data: Buffer, initial: number): number {
  let crc = ~initial
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8)
  return ~crc >>> 0
}

type Crc32 = (data: Buffer, initial?: number) => number
const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32

/** CRC-32 of data, continuing from `initial`: zlib's (Node 20.15+, 22.2+), else a table in JS. */
export function crc32(data: Buffer, initial = 0): number {
  return nativeCrc32 ? nativeCrc32(data, initial) : crc32Js(data, initial)
}

export function localHeader(entry: Omit<EntryRecord, 'offset'>): Buffer {
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(VERSION_DEFAULT, 4)
  header.writeUInt16LE(FLAG_UTF8 | (entry.streamed ? FLAG_DATA_DESCRIPTOR : 0), 6)
  header.writeUInt16LE(entry.method, 8)
  header.writeUInt16LE(DOS_TIME, 10)
  header.writeUInt16LE(DOS_DATE, 12)
  if (!entry.streamed) {
    header.writeUInt32LE(entry.crc32, 14)
    header.writeUInt32LE(entry.compressedSize, 18)
    header.writeUInt32LE(entry.size, 22)
  }
  header.writeUInt16LE(entry.name.length, 26)
  return Buffer.concat([header, entry.name])
}

export function dataDescriptor(entry: EntryRecord): Buffer {
  const record = Buffer.alloc(16)
  record.writeUInt32LE(0x08074b50, 0)
  record.writeUInt32LE(entry.crc32, 4)
  record.writeUInt32LE(entry.compressedSize, 8)
  record.writeUInt32LE(entry.size, 12)
  return record
}

/** A bundle file is at most 2 GB, so only the offset can pass 32 bits. */
export function checkEntrySizes(entry: EntryRecord): void {
  if (entry.size >= MAX_32 || entry.compressedSize >= MAX_32) throw new Error(`Zip entry ${entry.name.toString()} is over 4 GB.`)
}

function centralRecord(entry: EntryRecord): Buffer {
  const zip64 = entry.offset >= MAX_32
  const extra = Buffer.alloc(zip64 ? 12 : 0)
  if (zip64) {
    extra.writeUInt16LE(0x0001, 0)
    extra.writeUInt16LE(8, 2)
    extra.writeBigUInt64LE(BigInt(entry.offset), 4)
  }
  const version = zip64 ? VERSION_ZIP64 : VERSION_DEFAULT
  const record = Buffer.alloc(46)
  record.writeUInt32LE(0x02014b50, 0)
  record.writeUInt16LE((UNIX << 8) | version, 4)
  record.writeUInt16LE(version, 6)
  record.writeUInt16LE(FLAG_UTF8 | (entry.streamed ? FLAG_DATA_DESCRIPTOR : 0), 8)
  record.writeUInt16LE(entry.method, 10)
  record.writeUInt16LE(DOS_TIME, 12)
  record.writeUInt16LE(DOS_DATE, 14)
  record.writeUInt32LE(entry.crc32, 16)
  record.writeUInt32LE(entry.compressedSize, 20)
  record.writeUInt32LE(entry.size, 24)
  record.writeUInt16LE(entry.name.length, 28)
  record.writeUInt16LE(extra.length, 30)
  record.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38)
  record.writeUInt32LE(zip64 ? MAX_32 : entry.offset, 42)
  return Buffer.concat([record, entry.name, extra])
}

/** The central directory and its end records, zip64 ones when a count or offset needs them. */
export function centralDirectory(entries: EntryRecord[], offset: number): Buffer {
  const records = Buffer.concat(entries.map(centralRecord))
  const zip64 = entries.length >= MAX_16 || offset >= MAX_32 || records.length >= MAX_32
  const parts = [records]
  if (zip64) {
    const end64 = Buffer.alloc(56)
    end64.writeUInt32LE(0x06064b50, 0)
    end64.writeBigUInt64LE(44n, 4)
    end64.writeUInt16LE((UNIX << 8) | VERSION_ZIP64, 12)
    end64.writeUInt16LE(VERSION_ZIP64, 14)
    end64.writeBigUInt64LE(BigInt(entries.length), 24)
    end64.writeBigUInt64LE(BigInt(entries.length), 32)
    end64.writeBigUInt64LE(BigInt(records.length), 40)
    end64.writeBigUInt64LE(BigInt(offset), 48)
    const locator = Buffer.alloc(20)
    locator.writeUInt32LE(0x07064b50, 0)
    locator.writeBigUInt64LE(BigInt(offset + records.length), 8)
    locator.writeUInt32LE(1, 16)
    parts.push(end64, locator)
  }
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(Math.min(entries.length, MAX_16), 8)
  end.writeUInt16LE(Math.min(entries.length, MAX_16), 10)
  end.writeUInt32LE(Math.min(records.length, MAX_32), 12)
  end.writeUInt32LE(Math.min(offset, MAX_32), 16)
  parts.push(end)
  return Buffer.concat(parts)
}
