import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { extname } from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'
import { listWebFiles, type ListLimits, DEFAULT_LIMITS } from './files.js'

export interface BundleFile {
  path: string
  size: number
  sha256: string
}

export interface PackedBundle {
  archivePath: string
  /** sha256 hex of the archive's bytes. */
  checksum: string
  size: number
  files: BundleFile[]
}

/** Formats that are compressed already: deflating them again costs time and saves nothing. */
const STORED_EXTENSIONS = new Set([
  '.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif', '.heic', '.ico',
  '.woff', '.woff2', '.mp3', '.mp4', '.m4a', '.webm', '.ogg', '.zip', '.gz', '.br', '.zst', '.wasm.gz'
])

/** Fixed so the same files always give the same bytes. Local time: DOS times have no zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0)
const FILE_MODE = 0o100644

/** Passes bytes through while hashing (and counting) them. */
class HashingStream extends Transform {
  readonly hash = createHash('sha256')
  bytes = 0
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    done(null, chunk)
  }
}

/**
 * Zips the web dir into archivePath, byte-for-byte deterministic (sorted entries, fixed
 * times and modes), hashing every file and the archive on the way: one pass, streamed,
 * so memory does not grow with the bundle.
 */
export async function packWebDir(webDir: string, archivePath: string, limits: ListLimits = DEFAULT_LIMITS): Promise<PackedBundle> {
  const webFiles = await listWebFiles(webDir, limits)
  const zip = new yazl.ZipFile()
  const files: BundleFile[] = webFiles.map((file) => ({ path: file.path, size: file.size, sha256: '' }))

  webFiles.forEach((file, index) => {
    const compress = !STORED_EXTENSIONS.has(extname(file.path).toLowerCase()) && file.size > 0
    const options = { mtime: FIXED_MTIME, mode: FILE_MODE, compress, forceDosTimestamp: true, size: file.size }
    zip.addReadStreamLazy(file.path, options, (provide) => {
      const hashing = new HashingStream()
      hashing.on('end', () => {
        files[index].sha256 = hashing.hash.digest('hex')
      })
      const source = createReadStream(file.absolutePath)
      source.on('error', (error) => hashing.destroy(error))
      provide(null, source.pipe(hashing))
    })
  })
  zip.end()

  const archiveHash = new HashingStream()
  await pipeline(zip.outputStream, archiveHash, createWriteStream(archivePath))
  return { archivePath, checksum: archiveHash.hash.digest('hex'), size: archiveHash.bytes, files }
}
