import { createHash, type Hash } from 'node:crypto'
import { open, rm, type FileHandle } from 'node:fs/promises'

const MB = 1024 * 1024
/** Appends are gathered up to this size and written in one call: thousands of small headers cost no call each. */
const WRITE_BATCH_BYTES = MB
const READ_BACK_CHUNK_BYTES = MB

/** The archive's digests: sha256 (the checksum devices check), and when asked for, MD5 (what S3 checks an upload against, Content-MD5). */
export interface ArchiveDigests {
  sha256: string
  md5?: string
}

/**
 * The archive file, written front to back and hashed (sha256, and MD5 when asked for) in the same order.
 *
 * A header that can only be written after its entry's data (a large file is streamed, so
 * its CRC-32 and compressed size are known at the end) has its room reserved, is written in
 * place once known, and that entry's bytes are then hashed back from the file: the hash is
 * the one of the bytes on disk, in order, and memory stays bounded.
 */
export class ArchiveFile {
  private readonly hashes: Hash[]
  /** Bytes appended so far: the offset the next append lands at. */
  bytes = 0
  /** Bytes on disk; the rest waits in the batch. */
  private flushed = 0
  private batch: Buffer[] = []
  private batchBytes = 0
  /** Where the reserved header starts while one is pending: hashing waits until it is written. */
  private reservedAt: number | undefined
  private reservedLength = 0

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    md5: boolean
  ) {
    this.hashes = md5 ? [createHash('sha256'), createHash('md5')] : [createHash('sha256')]
  }

  /** `md5`: also the MD5, which only a backend that sends Content-MD5 needs (a quarter second of the writer's time for 155 MB). */
  static async create(path: string, md5: boolean): Promise<ArchiveFile> {
    // Read and write: a reserved header's entry is read back to be hashed.
    return new ArchiveFile(path, await open(path, 'w+'), md5)
  }

  async append(chunk: Buffer): Promise<void> {
    if (this.reservedAt === undefined) this.hash(chunk)
    this.bytes += chunk.length
    this.batch.push(chunk)
    this.batchBytes += chunk.length
    if (this.batchBytes >= WRITE_BATCH_BYTES) await this.flush()
  }

  /** Keeps `length` bytes for a header written later by writeReservedHeader; returns its offset. */
  async reserveHeader(length: number): Promise<number> {
    if (this.reservedAt !== undefined) throw new Error('A reserved zip header is already pending.')
    const offset = this.bytes
    this.reservedAt = offset
    this.reservedLength = length
    await this.append(Buffer.alloc(length))
    return offset
  }

  /** Writes the reserved header in place, then hashes it and everything appended after it. */
  async writeReservedHeader(header: Buffer): Promise<void> {
    const offset = this.reservedAt
    if (offset === undefined || header.length !== this.reservedLength) throw new Error('The zip header does not fit the room reserved for it.')
    await this.flush()
    await this.writeAt(header, offset)
    const buffer = Buffer.allocUnsafe(READ_BACK_CHUNK_BYTES)
    for (let position = offset; position < this.bytes; ) {
      const { bytesRead } = await this.handle.read(buffer, 0, Math.min(buffer.length, this.bytes - position), position)
      if (bytesRead === 0) throw new Error(`${this.path} is shorter than what was written to it.`)
      this.hash(buffer.subarray(0, bytesRead))
      position += bytesRead
    }
    this.reservedAt = undefined
  }

  /** Flushes and closes the file; resolves to the digests (hex) of its bytes. */
  async close(): Promise<ArchiveDigests> {
    if (this.reservedAt !== undefined) throw new Error('A reserved zip header was never written.')
    await this.flush()
    await this.handle.close()
    const [sha256, md5] = this.hashes.map((hash) => hash.digest('hex'))
    return { sha256, md5 }
  }

  /** After a failure: closes and deletes the half-written archive. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined)
    await rm(this.path, { force: true })
  }

  private hash(bytes: Buffer): void {
    for (const hash of this.hashes) hash.update(bytes)
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return
    const chunks = this.batch
    this.batch = []
    this.batchBytes = 0
    const { bytesWritten } = await this.handle.writev(chunks, this.flushed)
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0)
    // A short write (rare on a regular file) is finished from where it stopped.
    if (bytesWritten < total) await this.writeAt(Buffer.concat(chunks).subarray(bytesWritten), this.flushed + bytesWritten)
    this.flushed += total
  }

  private async writeAt(data: Buffer, position: number): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done)
      done += bytesWritten
    }
  }
}
