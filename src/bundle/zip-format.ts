/**
 * The few records of the zip format (PKWARE APPNOTE) that a deterministic archive needs:
 * a fixed time and mode, UTF-8 names, deflate or store, zip64 only past the 32-bit limits.
 *
 * Every local header carries the entry's real CRC-32 and sizes, never a data descriptor
 * (flag bit 3): devices read bundles front to back with java.util.zip.ZipInputStream
 * (@capgo/capacitor-updater on Android), which cannot find the end of a stored entry
 * whose sizes follow its data.
 */

export const METHOD_STORE = 0
export const METHOD_DEFLATE = 8

/** 1980-01-01 00:00, the earliest DOS time: fixed so the same files give the same bytes. */
const DOS_TIME = 0
const DOS_DATE = (1 << 5) | 1
const FLAG_UTF8 = 0x0800
const UNIX = 3
const VERSION_DEFAULT = 20
const VERSION_ZIP64 = 45
const MAX_32 = 0xffffffff
const MAX_16 = 0xffff
const LOCAL_HEADER_BYTES = 30
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
}

/** Bytes of an entry's local header: it has no extra field, so only the name varies. */
export const localHeaderLength = (name: Buffer) => LOCAL_HEADER_BYTES + name.length

/** The local header, with the CRC-32 and sizes a streaming reader needs before the data. */
export function localHeader(entry: Omit<EntryRecord, 'offset'>): Buffer {
  checkEntrySizes(entry)
  const header = Buffer.alloc(LOCAL_HEADER_BYTES)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(VERSION_DEFAULT, 4)
  header.writeUInt16LE(FLAG_UTF8, 6)
  header.writeUInt16LE(entry.method, 8)
  header.writeUInt16LE(DOS_TIME, 10)
  header.writeUInt16LE(DOS_DATE, 12)
  header.writeUInt32LE(entry.crc32, 14)
  header.writeUInt32LE(entry.compressedSize, 18)
  header.writeUInt32LE(entry.size, 22)
  header.writeUInt16LE(entry.name.length, 26)
  return Buffer.concat([header, entry.name])
}

/** A bundle file is at most 2 GB, so sizes fit the local header's 32 bits; only offsets can pass them. */
function checkEntrySizes(entry: Omit<EntryRecord, 'offset'>): void {
  if (entry.size >= MAX_32 || entry.compressedSize >= MAX_32) throw new Error(`Zip entry ${entry.name.toString()} is over 4 GB.`)
}

/**
 * From which offset (and entry count) the zip64 records are used: 4 GiB (65,535 entries) in
 * bundles; tests lower it to have real readers check those records on a small archive.
 */
export interface Zip64Threshold {
  offset: number
  entries: number
}

export const ZIP64_THRESHOLD: Zip64Threshold = { offset: MAX_32, entries: MAX_16 }

function centralRecord(entry: EntryRecord, threshold: Zip64Threshold): Buffer {
  const zip64 = entry.offset >= threshold.offset
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
  record.writeUInt16LE(FLAG_UTF8, 8)
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
export function centralDirectory(entries: EntryRecord[], offset: number, threshold = ZIP64_THRESHOLD): Buffer {
  const records = Buffer.concat(entries.map((entry) => centralRecord(entry, threshold)))
  const zip64 = entries.length >= threshold.entries || offset >= threshold.offset || records.length >= MAX_32
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
  // With zip64 records, every field of the classic end record says "see zip64", as Go's archive/zip writes it.
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(zip64 ? MAX_16 : entries.length, 8)
  end.writeUInt16LE(zip64 ? MAX_16 : entries.length, 10)
  end.writeUInt32LE(zip64 ? MAX_32 : records.length, 12)
  end.writeUInt32LE(zip64 ? MAX_32 : offset, 16)
  parts.push(end)
  return Buffer.concat(parts)
}
