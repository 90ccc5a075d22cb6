import { randomBytes } from 'node:crypto'
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { RegistryBackend } from '../registry/registry-backend.js'
import type { FileRead, ObjectStore, PutOptions, TaggedObject } from '../registry/store.js'
import { sha256, sha256OfFile } from '../sha256.js'

const LOCK_PREFIX = '.lock-'
const STALE_LOCK_MS = 30_000
const LOCK_WAIT_MS = 60_000

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT'
}

/** The registry as a folder: every write goes to a temp file first, then is linked or renamed into place. */
class FolderStore implements ObjectStore {
  readonly root: string

  constructor(
    root: string,
    private readonly baseUrl: string | undefined,
    /** Messages name keys relative to this folder (the workspace). */
    private readonly shownFrom: string
  ) {
    this.root = resolve(root)
  }

  private path(key: string): string {
    const path = resolve(this.root, key)
    if (!path.startsWith(this.root + sep)) throw new Error(`Registry key ${key} leaves the registry folder.`)
    return path
  }

  describe(key: string): string {
    return relative(this.shownFrom, this.path(key)) || this.path(key)
  }

  publicUrl(key: string): string {
    return this.baseUrl ? `${this.baseUrl}/${key}` : pathToFileURL(this.path(key)).href
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key))
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.path(key))
      return true
    } catch (error) {
      if (isMissing(error)) return false
      throw error
    }
  }

  async checksum(key: string): Promise<string | undefined> {
    try {
      return await sha256OfFile(this.path(key))
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  private async place(key: string, fill: (temp: string) => Promise<void>, ifAbsent: PutOptions['ifAbsent']): Promise<boolean> {
    const final = this.path(key)
    await mkdir(dirname(final), { recursive: true })
    const temp = join(dirname(final), `.tmp-${randomBytes(6).toString('hex')}`)
    try {
      await fill(temp)
      if (!ifAbsent) {
        await rename(temp, final)
        return true
      }
      // link() fails when the name exists: create-if-absent in one step, even across runs.
      await link(temp, final)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    } finally {
      await unlink(temp).catch(() => undefined)
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer | undefined> {
    let file
    try {
      file = await open(this.path(key))
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
    try {
      const bytes = Buffer.alloc(end - start + 1)
      const { bytesRead } = await file.read(bytes, 0, bytes.length, start)
      return bytesRead === bytes.length ? bytes : undefined
    } finally {
      await file.close()
    }
  }

  /** A local copy, too quick to be worth stopping. */
  async readToFile(key: string, path: string, { onWritten }: FileRead): Promise<string | undefined> {
    try {
      await copyFile(this.path(key), path)
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
    onWritten?.((await stat(path)).size)
    return sha256OfFile(path)
  }

  putFile(key: string, path: string, options: PutOptions): Promise<boolean> {
    return this.place(key, (temp) => copyFile(path, temp), options.ifAbsent)
  }

  putBytes(key: string, bytes: Buffer, options: PutOptions): Promise<boolean> {
    return this.place(key, (temp) => writeFile(temp, bytes), options.ifAbsent)
  }

  async readTagged(key: string): Promise<TaggedObject | undefined> {
    const bytes = await this.read(key)
    return bytes && { bytes, tag: sha256(bytes) }
  }

  /** Compare-and-swap under a lock file that only one run can create (O_EXCL); the swap itself is a rename. */
  async putIfMatch(key: string, bytes: Buffer, expected: string | undefined): Promise<boolean> {
    return this.locked(key, async () => {
      if ((await this.readTagged(key))?.tag !== expected) return false
      return this.place(key, (temp) => writeFile(temp, bytes), false)
    })
  }

  private async locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const final = this.path(key)
    await mkdir(dirname(final), { recursive: true })
    const lock = join(dirname(final), `${LOCK_PREFIX}${basename(final)}`)
    const started = Date.now()
    for (;;) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' })
        break
      } catch (error) {
        // A cleanup may prune the emptied folder between mkdir and here.
        if (isMissing(error)) {
          await mkdir(dirname(final), { recursive: true })
          continue
        }
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        // A run that died holding the lock leaves it behind; the work under it takes milliseconds.
        const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()))
        if (age > STALE_LOCK_MS) await unlink(lock).catch(() => undefined)
        if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`${this.describe(key)} stayed locked by another run (${lock}) for ${LOCK_WAIT_MS / 1000} s.`)
        await sleep(10 + Math.random() * 40)
      }
    }
    try {
      return await work()
    } finally {
      await unlink(lock).catch(() => undefined)
    }
  }

  async remove(key: string): Promise<void> {
    const path = this.path(key)
    await rm(path, { force: true })
    // Prune the version folder once it is empty, so a removed version leaves no trace.
    for (let dir = dirname(path); dir.startsWith(this.root + sep); dir = dirname(dir)) {
      if (!(await rmdir(dir).then(() => true, () => false))) break
    }
  }

  async list(prefix: string): Promise<string[]> {
    const start = this.path(prefix.replace(/\/$/, ''))
    const keys: string[] = []
    const walk = async (dir: string): Promise<void> => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (error) {
        if (isMissing(error)) return
        throw error
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.tmp-') || entry.name.startsWith(LOCK_PREFIX)) continue
        const full = join(dir, entry.name)
        if (entry.isDirectory()) await walk(full)
        else keys.push(relative(this.root, full).split(sep).join('/'))
      }
    }
    await walk(start)
    return keys.sort()
  }
}

export function createFolderBackend(root: string, publicUrl?: string, shownFrom: string = root): RegistryBackend {
  const store = new FolderStore(root, publicUrl, shownFrom)
  return new RegistryBackend('folder', store.root, store)
}
