import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { dirname } from 'node:path'
import { Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { crc32, createDeflateRaw } from 'node:zlib'
import { UserError } from '../errors.js'
import { ArchiveFile } from './archive-file.js'
import { isCompressedFormat } from './compressed-formats.js'
import { GarbageMeter, InlinePreparer, PackWorkers, type FilePreparer, type ReusedEntry } from './pack-workers.js'
import type { ReusableArchive } from './reuse.js'
import { DEFAULT_LIMITS, listWebFiles, webDirProblem, type ListLimits, type WebFile } from './files.js'
import { centralDirectory, localHeader, localHeaderLength, METHOD_DEFLATE, METHOD_STORE, ZIP64_THRESHOLD, type EntryRecord, type Zip64Threshold } from './zip-format.js'

export interface BundleFile {
  path: string
  size: number
  sha256: string
}

export interface PackedBundle {
  archivePath: string
  /** sha256 hex of the archive's bytes. */
  checksum: string
  /** MD5 hex of the archive's bytes, when asked for (PackOptions.md5): made while it is written, so an S3 upload need not read it again for its Content-MD5. */
  md5?: string
  size: number
  files: BundleFile[]
  /** What the pack took from the previous bundle it was given: entries, or nothing, since that archive did not check out. */
  reuse?: { kind: 'taken'; entries: number } | { kind: 'discarded' }
}

const MB = 1024 * 1024
const DEFLATE_LEVEL = 6
/** Files up to this size are read whole, hashed and deflated by the worker threads, several at once. */
const BUFFERED_MAX_BYTES = 4 * MB
/** How far reading and deflating run ahead of writing: memory stays flat whatever the bundle's size. */
const READ_AHEAD_BYTES = 4 * MB
const READ_AHEAD_FILES = 32
const STREAM_CHUNK_BYTES = MB
/**
 * A bundle whose read-whole files add up to no more than this is prepared on the main
 * thread: starting the worker threads costs about 100 ms, more than they save below it
 * (measured on two busy cores: bundles of 0.01 to 16 MB packed 2 to 40 times faster on the main
 * thread; on idle cores, at about 60 MB/s of deflate per core, the two workers should catch up
 * near 7 MB, an estimate).
 */
const INLINE_MAX_BYTES = 4 * MB

/** A file read, hashed and (when it pays) deflated, ready to be written. */
interface BufferedEntry {
  kind: 'buffered'
  sha256: string
  crc32: number
  size: number
  method: number
  reused: boolean
  data: Buffer
}

/** A large file: streamed through at its turn instead of being held in memory. */
type PreparedEntry = BufferedEntry | { kind: 'streamed' }

const shouldCompress = (file: WebFile) => file.size > 0 && !isCompressedFormat(file.path)
const readAheadCost = (file: WebFile) => (file.size > BUFFERED_MAX_BYTES ? 0 : file.size)

/** The previous archive's entry for the file, once the archive is read past it. */
async function reusedEntry(reuse: ReusableArchive | undefined, file: WebFile): Promise<ReusedEntry | undefined> {
  const entry = reuse?.entries.get(file.path)
  if (!reuse || !entry || entry.size !== file.size || !(await reuse.reached(entry.readUpTo))) return undefined
  const { sha256, crc32, compressedSize, headerOffset } = entry
  return { archive: reuse.archivePath, sha256, crc32, compressedSize, headerOffset }
}

async function prepare(workers: FilePreparer, file: WebFile, reuse: ReusableArchive | undefined): Promise<PreparedEntry> {
  if (file.size > BUFFERED_MAX_BYTES) return { kind: 'streamed' }
  const prepared = await workers.prepare(file.absolutePath, shouldCompress(file), DEFLATE_LEVEL, await reusedEntry(reuse, file))
  const { sha256, crc32, size, data, reused } = prepared
  return { kind: 'buffered', sha256, crc32, size, data, reused, method: prepared.deflated ? METHOD_DEFLATE : METHOD_STORE }
}

/**
 * Streams one large file into the archive in bounded memory. Its local header's room is
 * reserved and the header written once the CRC-32 and sizes are known: streaming readers
 * (ZipInputStream on devices) need them before the data, so no data descriptor is used.
 */
async function writeStreamed(archive: ArchiveFile, file: WebFile, name: Buffer): Promise<{ record: EntryRecord; sha256: string }> {
  const method = shouldCompress(file) ? METHOD_DEFLATE : METHOD_STORE
  const record: EntryRecord = { name, method, crc32: 0, compressedSize: 0, size: 0, offset: archive.bytes }
  await archive.reserveHeader(localHeaderLength(name))
  const hash = createHash('sha256')
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      record.crc32 = crc32(chunk, record.crc32)
      record.size += chunk.length
      done(null, chunk)
    }
  })
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      record.compressedSize += chunk.length
      archive.append(chunk).then(() => done(), done)
    }
  })
  const source = createReadStream(file.absolutePath, { highWaterMark: STREAM_CHUNK_BYTES })
  if (method === METHOD_DEFLATE) await pipeline(source, tap, createDeflateRaw({ level: DEFLATE_LEVEL }), sink)
  else await pipeline(source, tap, sink)
  await archive.writeReservedHeader(localHeader(record))
  return { record, sha256: hash.digest('hex') }
}

/**
 * Reads and deflates files ahead of the writer, in order, within a byte and file budget:
 * the worker threads (one per core) prepare files while the main thread writes the archive.
 */
class ReadAhead {
  private next = 0
  private aheadBytes = 0
  private readonly pending: Promise<PreparedEntry>[] = []

  constructor(
    private readonly files: WebFile[],
    private readonly workers: FilePreparer,
    private readonly reuse: ReusableArchive | undefined
  ) {}

  private fill(): void {
    while (this.next < this.files.length) {
      const cost = readAheadCost(this.files[this.next])
      const full = this.pending.length >= READ_AHEAD_FILES || this.aheadBytes + cost > READ_AHEAD_BYTES
      if (full && this.pending.length > 0) return
      const work = prepare(this.workers, this.files[this.next++], this.reuse)
      // Awaited in turn below; this only keeps an early failure from being "unhandled".
      work.catch(() => undefined)
      this.pending.push(work)
      this.aheadBytes += cost
    }
  }

  /** The next file's entry (files are taken strictly in order). */
  async take(file: WebFile): Promise<PreparedEntry> {
    this.fill()
    const entry = await this.pending.shift()!
    this.aheadBytes -= readAheadCost(file)
    this.fill()
    return entry
  }
}

/** A failure the user can fix (a full disk, a file that changed under the pack), as one sentence; anything else as it is. */
function packProblem(error: unknown, archivePath: string, file: WebFile | undefined): unknown {
  const { code, path } = error as NodeJS.ErrnoException
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UserError(`The disk holding ${dirname(archivePath)} is full: the bundle could not be written there; free space on that disk before this step.`)
  }
  return file && path === file.absolutePath ? webDirProblem(error, file.path, 'file') : error
}

export interface PackOptions {
  limits?: ListLimits
  /** Tests only: where zip64 records start, lowered so real readers check them on a small archive. */
  zip64Threshold?: Zip64Threshold
  /** Tests only: where files are read, hashed and deflated, instead of the choice by the bundle's size. */
  preparer?: 'workers' | 'main thread'
  /**
   * Reads the previous bundle's deflated entries, taken as they are for unchanged files
   * (src/bundle/reuse.ts); called only by a pack on the workers, since the main thread
   * deflates every file of a small bundle sooner than the previous one arrives.
   */
  reuse?: () => Promise<ReusableArchive | undefined>
  /** Also the archive's MD5, for a backend that sends Content-MD5 (Backend.sendsContentMd5). */
  md5?: boolean
  /** Stops the pack between files (its archive is removed): a pack started beside the eligibility check that refused. */
  signal?: AbortSignal
}

function onMainThread(files: WebFile[], choice: PackOptions['preparer']): boolean {
  return choice ? choice === 'main thread' : files.reduce((sum, file) => sum + readAheadCost(file), 0) <= INLINE_MAX_BYTES
}

/**
 * Zips the web dir into archivePath, byte-for-byte deterministic (sorted entries, fixed
 * times and modes), hashing every file and the archive on the way. Small files are read
 * and deflated ahead, several at once, within a fixed budget; large ones are streamed:
 * memory does not grow with the bundle.
 */
export async function packWebDir(webDir: string, archivePath: string, options: PackOptions = {}): Promise<PackedBundle> {
  const webFiles = await listWebFiles(webDir, options.limits ?? DEFAULT_LIMITS)
  const inline = onMainThread(webFiles, options.preparer)
  const reuse = inline ? undefined : await options.reuse?.()
  const packed = await packFiles(webFiles, archivePath, inline, reuse, options)
  if (!reuse) return packed
  // Entries were taken while the previous archive was still arriving: if it did not check out, none of them ships.
  if (!(await reuse.verified)) return { ...(await packFiles(webFiles, archivePath, inline, undefined, options)), reuse: { kind: 'discarded' } }
  return packed
}

async function packFiles(webFiles: WebFile[], archivePath: string, inline: boolean, reuse: ReusableArchive | undefined, options: PackOptions): Promise<PackedBundle> {
  const archive = await ArchiveFile.create(archivePath, options.md5 ?? false)
  const workers: FilePreparer = inline ? new InlinePreparer() : new PackWorkers()
  const readAhead = new ReadAhead(webFiles, workers, reuse)
  // A main-thread pack holds at most INLINE_MAX_BYTES of read files: V8's own collections suffice,
  // and a forced one costs a full collection of whatever else the process holds (seconds in a large heap).
  const garbage = inline ? undefined : new GarbageMeter()
  const records: EntryRecord[] = []
  const files: BundleFile[] = []
  let reusedEntries = 0
  let current: WebFile | undefined
  try {
    for (const file of webFiles) {
      options.signal?.throwIfAborted()
      current = file
      const name = Buffer.from(file.path, 'utf8')
      const entry = await readAhead.take(file)
      if (entry.kind === 'streamed') {
        const { record, sha256 } = await writeStreamed(archive, file, name)
        records.push(record)
        files.push({ path: file.path, size: record.size, sha256 })
        continue
      }
      const record: EntryRecord = { name, method: entry.method, crc32: entry.crc32, compressedSize: entry.data.length, size: entry.size, offset: archive.bytes }
      await archive.append(localHeader(record))
      await archive.append(entry.data)
      garbage?.add(entry.data.buffer.byteLength)
      records.push(record)
      files.push({ path: file.path, size: entry.size, sha256: entry.sha256 })
      if (entry.reused) reusedEntries++
    }
    current = undefined
    await archive.append(centralDirectory(records, archive.bytes, options.zip64Threshold ?? ZIP64_THRESHOLD))
    const size = archive.bytes
    const digests = await archive.close()
    return { archivePath, checksum: digests.sha256, ...(digests.md5 ? { md5: digests.md5 } : {}), size, files, ...(reuse ? { reuse: { kind: 'taken', entries: reusedEntries } } : {}) }
  } catch (error) {
    await archive.discard()
    throw packProblem(error, archivePath, current)
  } finally {
    await workers.close()
  }
}
