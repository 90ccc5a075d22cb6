import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import { UserError } from '../errors.js'
import { DEFAULT_LIMITS, type ListLimits } from './files.js'

const S_IFMT = 0o170000
const S_IFLNK = 0o120000
/** What an archive may expand to in all, against zip bombs: the web dir's per-file limit, twice. */
const MAX_TOTAL_BYTES = 2 * DEFAULT_LIMITS.maxFileBytes

/**
 * Writes an archive someone else made into dir as plain files, refusing what could escape
 * it or lie about itself: names that climb out (yauzl checks them), symlinks, duplicate
 * names, sizes that do not match the bytes, and archives that expand past the limits.
 * Nothing in it is run; the caller scans and re-packs the files.
 */
export async function unpackArchive(archivePath: string, dir: string, name: string, limits: ListLimits = DEFAULT_LIMITS): Promise<number> {
  const refuse = (why: string): never => {
    throw new UserError(`${name} ${why}: it was not made by mode pack of this action; nothing was published.`)
  }
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(archivePath, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true })
  } catch (error) {
    return refuse(`is not a readable zip archive (${(error as Error).message})`)
  }
  if (zip.entryCount > limits.maxFiles) {
    zip.close()
    return refuse(`has ${zip.entryCount} entries, over the ${limits.maxFiles} a bundle may hold`)
  }
  const seen = new Set<string>()
  let total = 0
  let files = 0
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const path = entry.fileName
      if (seen.has(path)) refuse(`holds ${path} twice`)
      seen.add(path)
      if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) refuse(`holds a symlink ${path}`)
      if (path.endsWith('/')) {
        await mkdir(join(dir, path), { recursive: true })
        continue
      }
      total += entry.uncompressedSize
      if (entry.uncompressedSize > limits.maxFileBytes || total > MAX_TOTAL_BYTES) refuse(`expands past the size limit of a bundle at ${path}`)
      await mkdir(dirname(join(dir, path)), { recursive: true })
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(join(dir, path), { flags: 'wx' }))
      files++
    }
  } catch (error) {
    if (error instanceof UserError) throw error
    refuse(`could not be unpacked (${(error as Error).message})`)
  } finally {
    zip.close()
  }
  return files
}

export function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry)
      zip.off('end', onEnd)
      zip.off('error', onError)
    }
    const onEntry = (entry: yauzl.Entry) => (cleanup(), resolve(entry))
    const onEnd = () => (cleanup(), resolve(undefined))
    const onError = (error: Error) => (cleanup(), reject(error))
    zip.on('entry', onEntry)
    zip.on('end', onEnd)
    zip.on('error', onError)
    zip.readEntry()
  })
}
