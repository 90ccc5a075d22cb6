/**
 * The previous bundle's deflated entries, which the pack takes as they are for the files
 * that did not change (same path, sha256, CRC-32 and size) instead of deflating them again.
 * The previous archive is the base release's, read from the registry while the pack runs:
 * its central directory first (the archive's tail), then the whole archive front to back,
 * so the pack takes each entry as soon as its bytes are on disk. Once read, the archive is
 * checked against its manifest's checksum; a pack that took entries from an archive that
 * does not check out is made again without them. Its entries were written by this packer,
 * so under the same zlib an unchanged file's entry is the bytes a fresh pack writes.
 * See docs/architecture.md, Stages.
 */
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import type { BundleFile } from './pack.js'
import { nextEntry } from './unpack.js'
import { METHOD_DEFLATE } from './zip-format.js'

/** How many of the archive's last bytes are read first: the central directory of a bundle of up to about 40,000 files (one with more is packed without reuse). */
export const TAIL_BYTES = 4 * 1024 * 1024

/** A local header's fixed part, and the most its extra field can add (a 16-bit length). */
const LOCAL_HEADER_BYTES = 30
const MAX_EXTRA_BYTES = 0xffff

/** Where a deflated entry of the previous archive lies, and what its file was. */
interface ReusableEntry {
  sha256: string
  crc32: number
  size: number
  compressedSize: number
  /** Offset of its local header; the data follows the header's name and extra field. */
  headerOffset: number
  /** An offset past its data (where the next entry begins; for the last, past the most its header can hold): once the archive is read up to it, the entry can be taken. */
  readUpTo: number
}

export interface ReusableArchive {
  archivePath: string
  /** By path inside the bundle. */
  entries: Map<string, ReusableEntry>
  /** Whether the archive is read up to `offset`; false once it never will be. */
  reached(offset: number): Promise<boolean>
  /** Whether the archive, once read, matched its manifest: entries taken from one that did not must not ship. */
  verified: Promise<boolean>
}

/**
 * The base release's bundle as the registry gives it: the tail, read first, and the
 * archive being read into `archivePath` front to back.
 */
export interface PreviousBundle {
  archivePath: string
  files: readonly BundleFile[]
  /** The archive's size (its manifest's), and its last bytes. */
  size: number
  tail: Buffer
  /** See ReusableArchive. */
  reached(offset: number): Promise<boolean>
  /** Whether the whole archive was read in one attempt and matched its manifest's checksum. */
  verified: Promise<boolean>
}

/**
 * A file being written front to back, for those that wait for its bytes: told once the
 * bytes before an offset are written, or that they never will be (the writer stopped, or
 * started again from the front, when bytes read before may have changed).
 */
export class GrowingFile {
  private written = 0
  private stopped = false
  /** The writer started again: bytes read from the first attempt may differ from the file's. */
  restarted = false
  private readonly waiting: Array<{ offset: number; resolve: (reached: boolean) => void }> = []

  /** The writer's count of bytes written so far. */
  wrote(bytes: number): void {
    if (bytes < this.written) this.restarted = true
    this.written = bytes
    if (this.restarted) return this.stop()
    for (let index = this.waiting.length - 1; index >= 0; index--) {
      if (this.waiting[index].offset > bytes) continue
      this.waiting[index].resolve(true)
      this.waiting.splice(index, 1)
    }
  }

  /** The writer is done, or failed: nothing more arrives. */
  stop(): void {
    this.stopped = true
    for (const waiter of this.waiting.splice(0)) waiter.resolve(false)
  }

  reached(offset: number): Promise<boolean> {
    if (this.restarted) return Promise.resolve(false)
    if (offset <= this.written) return Promise.resolve(true)
    if (this.stopped) return Promise.resolve(false)
    return new Promise((resolve) => this.waiting.push({ offset, resolve }))
  }
}

/**
 * yauzl's reads served from the archive's tail, held in memory: the central directory is
 * read before the rest of the archive has arrived. A read before the tail fails, and the
 * pack takes nothing from this archive.
 */
class TailReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly tail: Buffer,
    private readonly tailStart: number
  ) {
    super()
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    // yauzl checks the count it is given for an early end of file.
    const done = callback as (err: Error | null, bytesRead?: number) => void
    // Answered within the same turn of the event loop: between two turns of a busy loop, 10,000 reads would take a second.
    if (position < this.tailStart) {
      queueMicrotask(() => done(new Error('the central directory starts before the tail that was read')))
      return
    }
    const copied = this.tail.copy(buffer, offset, position - this.tailStart, position - this.tailStart + length)
    queueMicrotask(() => done(null, copied))
  }

  override _readStreamForRange(): Readable {
    throw new Error('only the central directory is read')
  }
}

/** Whether the file's last bytes are the tail the central directory was read from. */
async function endsWith(path: string, tail: Buffer, size: number): Promise<boolean> {
  const file = await open(path)
  try {
    const end = Buffer.alloc(tail.length)
    const { bytesRead } = await file.read(end, 0, end.length, size - tail.length)
    return bytesRead === tail.length && end.equals(tail)
  } finally {
    await file.close()
  }
}

/** The deflated entries of the previous archive, from its central directory. */
export async function readReusable(previous: PreviousBundle): Promise<ReusableArchive> {
  const byPath = new Map(previous.files.map((file) => [file.path, file]))
  const entries = new Map<string, ReusableEntry>()
  /** Every entry's local header offset: an entry's data ends where the next one begins. */
  const starts: number[] = []
  const reader = new TailReader(previous.tail, previous.size - previous.tail.length)
  const zip = await yauzl.fromRandomAccessReaderPromise(reader, previous.size, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true })
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const headerOffset = entry.relativeOffsetOfLocalHeader
      starts.push(headerOffset)
      const file = byPath.get(entry.fileName)
      if (!file || entry.compressionMethod !== METHOD_DEFLATE || entry.uncompressedSize !== file.size) continue
      // The most its local header's extra field may add, until the next entry tells where it ends.
      const readUpTo = Math.min(previous.size, headerOffset + LOCAL_HEADER_BYTES + entry.fileNameRaw.length + MAX_EXTRA_BYTES + entry.compressedSize)
      entries.set(entry.fileName, { sha256: file.sha256, crc32: entry.crc32, size: file.size, compressedSize: entry.compressedSize, headerOffset, readUpTo })
    }
  } finally {
    zip.close()
  }
  starts.sort((a, b) => a - b)
  const nextStart = new Map(starts.map((start, index) => [start, starts[index + 1]]))
  for (const entry of entries.values()) {
    const next = nextStart.get(entry.headerOffset)
    if (next !== undefined) entry.readUpTo = Math.min(entry.readUpTo, next)
  }
  // The offsets came from the tail read first: it must be the end of the archive that checked out.
  const verified = previous.verified.then((ok) => ok && endsWith(previous.archivePath, previous.tail, previous.size)).catch(() => false)
  return { archivePath: previous.archivePath, entries, reached: previous.reached, verified }
}
