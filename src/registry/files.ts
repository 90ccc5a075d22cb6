/**
 * The registry's content-addressed files: every file of every bundle stored once, by the
 * sha256 of its bytes, so a device fetches only the files it lacks and a publish uploads
 * only the files the registry lacks. See docs/architecture.md, Registry.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants } from 'node:zlib'
import type { BundleFile } from '../bundle/pack.js'
import { mapBounded } from '../concurrency.js'
import { sha256 } from '../sha256.js'
import { CACHE_CONTROL, registryKeys } from './layout.js'
import { storedFile, type StoredFile } from './stored-file.js'
import type { ObjectStore } from './store.js'
import type { Manifest, StoredFiles } from './types.js'

/** Requests in flight (uploads, manifest reads, removals): each is small, so the round trips, not the bytes, bound the time. */
const PARALLEL_UPLOADS = 16
/** Quality 5 compresses about as well as gzip -9 at many times brotli's default (11) speed. */
const BROTLI_QUALITY = 5
const compress = promisify(brotliCompress)

function unique(appId: string, files: readonly BundleFile[]): Array<{ file: BundleFile; stored: StoredFile }> {
  const byKey = new Map<string, { file: BundleFile; stored: StoredFile }>()
  for (const file of files) {
    const stored = storedFile(appId, file)
    if (!byKey.has(stored.key)) byKey.set(stored.key, { file, stored })
  }
  return [...byKey.values()]
}

async function storedBytes(webDir: string, file: BundleFile, brotli: boolean): Promise<Buffer> {
  const bytes = await readFile(join(webDir, file.path))
  if (sha256(bytes) !== file.sha256) {
    throw new Error(`${file.path} in ${webDir} changed after it was packed; nothing was pointed at it: run the job again.`)
  }
  if (!brotli) return bytes
  return compress(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
}

/** The keys under the app's files prefix. */
async function listStoredFiles(store: ObjectStore, appId: string): Promise<Set<string>> {
  return new Set(await store.list(registryKeys.filesPrefix(appId)))
}

/** Up to this many files that no known manifest names are asked about one by one (a HEAD each, 16 at a time: about as many round trips as listing a few thousand files); more, and one listing answers for all. */
const ASK_EACH_MAX = 100

/** A stored manifest whose files the registry holds (its publish stored them all before its pointer moved): the channel's current release, read before the pack. */
export interface KnownRelease {
  manifestKey: string
  files: readonly BundleFile[]
}

/**
 * The files of a known release, while its manifest is still stored. Called after this
 * publish wrote its own manifest: from then on this manifest names them too, and before,
 * the known one did, so no collection (which removes only what no manifest names) can
 * have removed them in between.
 */
async function filesOfKnownRelease(store: ObjectStore, appId: string, known: KnownRelease | undefined): Promise<Set<string>> {
  if (!known || !(await store.exists(known.manifestKey))) return new Set()
  return new Set(known.files.map((file) => storedFile(appId, file).key))
}

async function storedAmong(store: ObjectStore, appId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length > ASK_EACH_MAX) return listStoredFiles(store, appId)
  const held = await mapBounded(keys, PARALLEL_UPLOADS, (key) => store.exists(key))
  return new Set(keys.filter((_, index) => held[index]))
}

/**
 * Stores the files of a bundle that the registry lacks. It runs after the manifest was
 * written, so a collection running meanwhile sees these files as used, and the pointer moves
 * only after every file its manifest names is stored. The files the known release names
 * are taken as stored; the others are asked about (or listed), and sent when absent.
 */
export async function storeFiles(store: ObjectStore, appId: string, webDir: string, files: readonly BundleFile[], known?: KnownRelease): Promise<StoredFiles> {
  const wanted = unique(appId, files)
  const stored = await filesOfKnownRelease(store, appId, known)
  const unknown = wanted.filter((file) => !stored.has(file.stored.key))
  const present = await storedAmong(store, appId, unknown.map((file) => file.stored.key))
  const missing = unknown.filter((file) => !present.has(file.stored.key))
  const counts: StoredFiles = { uploaded: 0, uploadedBytes: 0, alreadyStored: wanted.length - missing.length }
  await mapBounded(missing, PARALLEL_UPLOADS, async ({ file, stored }) => {
    const bytes = await storedBytes(webDir, file, stored.brotli)
    const contentType = stored.brotli ? 'application/x-brotli' : 'application/octet-stream'
    if (await store.putBytes(stored.key, bytes, { contentType, sha256: sha256(bytes), ifAbsent: 'asked', cacheControl: CACHE_CONTROL.immutable })) {
      counts.uploaded++
      counts.uploadedBytes += bytes.length
    } else counts.alreadyStored++
  })
  return counts
}

async function referencedKeys(store: ObjectStore, appId: string, read: (key: string) => Promise<Manifest | undefined>): Promise<Set<string>> {
  const manifestKeys = (await store.list(registryKeys.bundlesPrefix(appId))).filter((key) => key.endsWith('/manifest.json'))
  const manifests = await mapBounded(manifestKeys, PARALLEL_UPLOADS, read)
  return new Set(manifests.flatMap((manifest) => manifest?.files ?? []).map((file) => storedFile(appId, file).key))
}

/**
 * Removes the files no manifest names any more. A publish writes its manifest before its
 * files, so its files are referenced while they upload; the manifests are read again just
 * before the removal, so a manifest written during the first reading keeps its files.
 */
export async function removeUnusedFiles(store: ObjectStore, appId: string, read: (key: string) => Promise<Manifest | undefined>): Promise<void> {
  const first = await referencedKeys(store, appId, read)
  const candidates = [...await listStoredFiles(store, appId)].filter((key) => !first.has(key))
  if (candidates.length === 0) return
  const second = await referencedKeys(store, appId, read)
  const unused = candidates.filter((key) => !second.has(key))
  await mapBounded(unused, PARALLEL_UPLOADS, (key) => store.remove(key))
}
