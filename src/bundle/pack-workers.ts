import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Worker } from 'node:worker_threads'
import { crc32, deflateRawSync } from 'node:zlib'

/** A file read, hashed and (when it pays) deflated by a worker: what the archive writer needs. */
export interface PreparedFile {
  sha256: string
  crc32: number
  size: number
  deflated: boolean
  /** The data is the previous archive's entry. */
  reused: boolean
  data: Buffer
}

/** The previous archive's deflated entry of the same path (src/bundle/reuse.ts): taken as it is when the file's sha256 and CRC-32 match. */
export interface ReusedEntry {
  archive: string
  sha256: string
  crc32: number
  compressedSize: number
  headerOffset: number
}

interface Job {
  path: string
  compress: boolean
  level: number
  reuse?: ReusedEntry
}

interface Reply {
  id: number
  error?: { message: string; code?: string; path?: string; syscall?: string }
  sha256: string
  crc32: number
  size: number
  deflated: boolean
  reused: boolean
  data: Uint8Array
}

/**
 * The worker's code, as source text run with `eval`: the action is bundled by esbuild,
 * and a worker given as text needs no file of its own beside it. Each job is one file,
 * read, hashed (sha256, CRC-32) and deflated in one call on the worker's own core, so the
 * main thread only writes the archive. Deflate gets an output buffer the size of its input's
 * bound: one pass, no 16 KB round trips.
 */
/**
 * Buffers that die are freed only by a garbage collection, and V8 starts one for outside
 * memory only past 64 MB per thread: three threads would hold 200 MB of dead buffers. Each
 * thread collects (its heap is a few MB: about a millisecond) after every this many bytes.
 */
const GARBAGE_BYTES = 16 * 1024 * 1024

/** Room for any deflate output of `size` bytes: one output buffer near the data's size, not zlib's 16 KB per file. */
const deflateBound = (size: number) => size + (size >> 8) + 1024

const WORKER_SOURCE = `
const deflateBound = ${deflateBound.toString()}
const { parentPort } = require('node:worker_threads')
const { openSync, readSync, closeSync, fstatSync } = require('node:fs')
const { createHash } = require('node:crypto')
const zlib = require('node:zlib')
const collect = require('node:vm').runInNewContext('gc')
let allocated = 0
// Reused for files that are deflated: a worker makes no garbage of its own, so its memory stays flat.
let scratch = Buffer.allocUnsafeSlow(64 * 1024)
function readWhole(path, compress) {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    if (compress && scratch.length < size) scratch = Buffer.allocUnsafeSlow(size)
    const into = compress ? scratch.subarray(0, size) : Buffer.allocUnsafeSlow(size)
    let done = 0
    while (done < size) {
      const read = readSync(fd, into, done, size - done, done)
      if (read === 0) break
      done += read
    }
    return into.subarray(0, done)
  } finally {
    closeSync(fd)
  }
}
function readAt(fd, into, position) {
  let done = 0
  while (done < into.length) {
    const read = readSync(fd, into, done, into.length - done, position + done)
    if (read === 0) return false
    done += read
  }
  return true
}
// The deflated bytes of a local entry (its header's signature checked; the data follows the name and extra field), or nothing.
function readReused({ archive, compressedSize, headerOffset }) {
  const fd = openSync(archive, 'r')
  try {
    const header = Buffer.alloc(30)
    if (!readAt(fd, header, headerOffset) || header.readUInt32LE(0) !== 0x04034b50) return undefined
    const data = Buffer.allocUnsafeSlow(compressedSize)
    return readAt(fd, data, headerOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28)) ? data : undefined
  } finally {
    closeSync(fd)
  }
}
parentPort.on('message', ({ id, path, compress, level, reuse }) => {
  try {
    const raw = readWhole(path, compress)
    const sha256 = createHash('sha256').update(raw).digest('hex')
    const crc32 = zlib.crc32(raw)
    let data = raw
    let deflated = false
    const reused = compress && reuse && reuse.sha256 === sha256 && reuse.crc32 === crc32 ? readReused(reuse) : undefined
    if (reused) {
      data = reused
      deflated = true
    } else if (compress) {
      const out = zlib.deflateRawSync(raw, { level, chunkSize: Math.max(64 * 1024, deflateBound(raw.length)) })
      // Stored when deflate does not shrink it, as zip does; the scratch buffer is never sent.
      if (out.length < raw.length) { data = out; deflated = true } else data = Buffer.from(raw)
    }
    // The bytes' own memory moves to the main thread, not a copy.
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length)
    allocated += data.buffer.byteLength
    if (allocated >= ${GARBAGE_BYTES}) { allocated = 0; collect() }
    parentPort.postMessage({ id, sha256, crc32, size: raw.length, deflated, reused: Boolean(reused), data: bytes }, [data.buffer])
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code, path: error && error.path, syscall: error && error.syscall } })
  }
})
`

function asError(reply: NonNullable<Reply['error']>): NodeJS.ErrnoException {
  return Object.assign(new Error(reply.message), reply.code ? { code: reply.code, path: reply.path, syscall: reply.syscall } : {})
}

let collector: (() => void) | undefined
/** The collector is a V8 flag, set once for the process; it reaches new contexts (and workers) only. */
function exposeCollector(): () => void {
  if (!collector) {
    setFlagsFromString('--expose-gc')
    collector = runInNewContext('gc') as () => void
  }
  return collector
}

/** Counts bytes the main thread is done with and collects after every GARBAGE_BYTES of them. */
export class GarbageMeter {
  private bytes = 0
  private readonly collect = exposeCollector()

  add(bytes: number): void {
    this.bytes += bytes
    if (this.bytes < GARBAGE_BYTES) return
    this.bytes = 0
    this.collect()
  }
}

/** What prepares files for the archive: the worker threads, or the calling thread for a small bundle. */
export interface FilePreparer {
  /** `reuse`: an entry of the previous archive to take instead of deflating again, when the file has not changed. */
  prepare(path: string, compress: boolean, level: number, reuse?: ReusedEntry): Promise<PreparedFile>
  close(): Promise<void>
}

/**
 * The workers' job on the calling thread, with the same zlib calls: the same bytes
 * (__tests__/pack.test.ts compares the two). For a small bundle, where starting the
 * threads (about 100 ms) costs more than they would save. It deflates every file, reused or
 * not: at 4 MB that is quicker than reading the previous archive's entries.
 */
export class InlinePreparer implements FilePreparer {
  async prepare(path: string, compress: boolean, level: number): Promise<PreparedFile> {
    // Read in one call, as the workers do: a small file through fs/promises costs four round trips to libuv's pool.
    const raw = readFileSync(path)
    const prepared = { sha256: createHash('sha256').update(raw).digest('hex'), crc32: crc32(raw), size: raw.length }
    const out = compress ? deflateRawSync(raw, { level, chunkSize: deflateBound(raw.length) }) : raw
    return out.length < raw.length ? { ...prepared, deflated: true, reused: false, data: out } : { ...prepared, deflated: false, reused: false, data: raw }
  }

  async close(): Promise<void> {}
}

/** How many workers: one per core (the main thread only writes), at most four. */
const workerCount = () => Math.max(1, Math.min(4, availableParallelism()))

/**
 * Worker threads that prepare files for the archive, one job at a time each, least busy
 * first. `close()` ends them; a pack always calls it, success or not.
 */
export class PackWorkers implements FilePreparer {
  private readonly workers: { worker: Worker; busy: number }[]
  private readonly waiting = new Map<number, { resolve: (file: PreparedFile) => void; reject: (error: Error) => void }>()
  private nextId = 0
  private failure: Error | undefined

  constructor(count = workerCount()) {
    exposeCollector()
    this.workers = Array.from({ length: count }, () => {
      const slot = { worker: new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1 } }), busy: 0 }
      slot.worker.on('message', (reply: Reply) => {
        slot.busy--
        this.settle(reply)
      })
      slot.worker.on('error', (error) => this.fail(error))
      return slot
    })
  }

  prepare(path: string, compress: boolean, level: number, reuse?: ReusedEntry): Promise<PreparedFile> {
    if (this.failure) return Promise.reject(this.failure)
    const id = this.nextId++
    const slot = this.workers.reduce((least, candidate) => (candidate.busy < least.busy ? candidate : least))
    slot.busy++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      slot.worker.postMessage({ id, path, compress, level, reuse } satisfies Job & { id: number })
    })
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()))
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id)
    if (!waiter) return
    this.waiting.delete(reply.id)
    if (reply.error) return waiter.reject(asError(reply.error))
    const data = Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength)
    waiter.resolve({ sha256: reply.sha256, crc32: reply.crc32, size: reply.size, deflated: reply.deflated, reused: reply.reused, data })
  }

  /** A worker that died (out of memory, a bug) fails every job waiting and every one after. */
  private fail(error: Error): void {
    this.failure = error
    for (const waiter of this.waiting.values()) waiter.reject(error)
    this.waiting.clear()
  }
}
