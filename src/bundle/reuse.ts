/**
 * The previous bundle's deflated entries, which the pack takes as they are for the files
 * that did not change (same path, sha256, CRC-32 and size) instead of deflating them again.
 * The previous archive is the channel's current one, read back from the registry and checked
 * against its manifest's checksum; its entries were written by this packer, so under the same
 * zlib an unchanged file's entry is the bytes a fresh pack writes. See docs/architecture.md, Stages.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import type { BundleFile } from './pack.js'
import { nextEntry } from './unpack.js'
import { METHOD_DEFLATE } from './zip-format.js'

/** Where a deflated entry of the previous archive lies, and what its file was. */
interface ReusableEntry {
  sha256: string
  crc32: number
  size: number
  compressedSize: number
  /** Offset of its local header; the data follows the header's name and extra field. */
  headerOffset: number
}

export interface ReusableArchive {
  archivePath: string
  /** By path inside the bundle. */
  entries: Map<string, ReusableEntry>
}

/** The previous bundle as the registry holds it: its archive on disk, already checked against its manifest's checksum, and the manifest's files. */
export interface PreviousBundle {
  archivePath: string
  files: readonly BundleFile[]
}

/** The archive's last bytes, read at once: they hold the central directory of a bundle of tens of thousands of files. */
const TAIL_BYTES = 4 * 1024 * 1024

/**
 * yauzl's reads served from one read of the archive's tail where they fall in it: reading the
 * central directory then costs no file read per entry (yauzl's own reader makes two per entry,
 * 0.25 to 0.6 s for 5,000 entries).
 */
class TailReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly handle: FileHandle,
    private readonly tail: Buffer,
    private readonly tailStart: number
  ) {
    super()
  }

  static async open(path: string): Promise<{ reader: TailReader; size: number }> {
    const handle = await open(path)
    try {
      const { size } = await handle.stat()
      const tailStart = Math.max(0, size - TAIL_BYTES)
      const tail = Buffer.alloc(size - tailStart)
      await handle.read(tail, 0, tail.length, tailStart)
      return { reader: new TailReader(handle, tail, tailStart), size }
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    // yauzl checks the count it is given for an early end of file.
    const done = callback as (err: Error | null, bytesRead?: number) => void
    if (position >= this.tailStart) {
      const copied = this.tail.copy(buffer, offset, position - this.tailStart, position - this.tailStart + length)
      setImmediate(() => done(null, copied))
      return
    }
    this.handle.read(buffer, offset, length, position).then(({ bytesRead }) => done(null, bytesRead), done)
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return this.handle.createReadStream({ start, end: end - 1, autoClose: false })
  }

  override close(callback: (err: Error | null) => void): void {
    this.handle.close().then(() => callback(null), callback)
  }
}

/** The deflated entries of the previous archive. */
export async function readReusable(previous: PreviousBundle): Promise<ReusableArchive> {
  const byPath = new Map(previous.files.map((file) => [file.path, file]))
  const entries = new Map<string, ReusableEntry>()
  const { reader, size } = await TailReader.open(previous.archivePath)
  const zip = await yauzl.fromRandomAccessReaderPromise(reader, size, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }).catch((error: unknown) => {
    // An archive yauzl cannot open keeps its reader: the file is closed here.
    reader.close(() => undefined)
    throw error
  })
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const file = byPath.get(entry.fileName)
      if (!file || entry.compressionMethod !== METHOD_DEFLATE || entry.uncompressedSize !== file.size) continue
      entries.set(entry.fileName, { sha256: file.sha256, crc32: entry.crc32, size: file.size, compressedSize: entry.compressedSize, headerOffset: entry.relativeOffsetOfLocalHeader })
    }
  } finally {
    zip.close()
  }
  return { archivePath: previous.archivePath, entries }
}
