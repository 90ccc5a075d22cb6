/**
 * The registry's rules written once (immutable versions, bundle before pointer, the pointer
 * moving forward by compare-and-swap) over any ObjectStore of src/backends/. See
 * docs/architecture.md, Registry and Invariants.
 */
import { join } from 'node:path'
import { GrowingFile, TAIL_BYTES, type PreviousBundle } from '../bundle/reuse.js'
import { errorMessage, UserError } from '../errors.js'
import { sha256 } from '../sha256.js'
import { removeUnusedFiles, storeFiles, type KnownRelease } from './files.js'
import { CACHE_CONTROL, registryKeys } from './layout.js'
import { changedRollout, nextPointer } from './history.js'
import { isForward } from './order.js'
import type { ObjectStore } from './store.js'
import type { Backend, ChannelMoveRequest, ChannelPointer, Manifest, PublishAttempt, PublishPrefetch, PublishRequest, CurrentRelease, RemovalResult, RolloutChange, RolloutResult, StoredFiles } from './types.js'



/** How often an immutable object is sent again when it did not read back as written. */
const STORE_ATTEMPTS = 3

/** How often a publish re-reads a pointer that other runs moved under it before giving up. */
const POINTER_ATTEMPTS = 8

/**
 * A store failure's message gets the registry's state and what to do: each outcome message
 * must match what is in the registry. User errors already say what to do, and change nothing.
 */
async function stating<T>(state: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof UserError) throw error
    throw Object.assign(new Error(`${errorMessage(error).replace(/\.$/, '')}; ${state}`), { stack: (error as Error).stack })
  }
}

const NOT_MOVED = 'the channel pointer was not changed: run the job again.'
const notMoved = <T>(work: () => Promise<T>) => stating(NOT_MOVED, work)

function withFiles(attempt: PublishAttempt, files: StoredFiles | undefined): PublishAttempt {
  return files && (attempt.kind === 'published' || attempt.kind === 'unchanged') ? { ...attempt, files } : attempt
}

/** The first of the channels' releases, in their order, that exists. */
async function firstRelease(releases: Array<Promise<CurrentRelease | undefined>>): Promise<CurrentRelease | undefined> {
  for (const release of releases) {
    const found = await release
    if (found) return found
  }
  return undefined
}

/** A release whose files this registry stored (older manifests do not say so, and their files may be missing). */
function knownRelease(appId: string, release: CurrentRelease | undefined): KnownRelease | undefined {
  if (!release?.manifest.contentAddressedFiles) return undefined
  return { manifestKey: registryKeys.manifest(appId, release.pointer.version), files: release.manifest.files }
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`)
}

/**
 * The registry's rules over any ObjectStore: the bundle and its manifest are stored and
 * verified before the channel pointer moves, and a version, once stored, never changes.
 */
export class RegistryBackend implements Backend {
  constructor(
    readonly name: string,
    readonly location: string,
    private readonly store: ObjectStore
  ) {}

  get sendsContentMd5(): boolean {
    return this.store.sendsContentMd5 ?? false
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.store.read(key)
    return bytes && this.parse<T>(key, bytes)
  }

  private parse<T>(key: string, bytes: Buffer): T {
    try {
      return JSON.parse(bytes.toString('utf8')) as T
    } catch {
      throw new UserError(`${this.store.describe(key)} is not valid JSON: remove or repair it, then run again.`)
    }
  }

  readPointer(appId: string, channel: string): Promise<ChannelPointer | undefined> {
    return this.readJson<ChannelPointer>(registryKeys.pointer(appId, channel))
  }

  readManifest(appId: string, version: string): Promise<Manifest | undefined> {
    return this.readJson<Manifest>(registryKeys.manifest(appId, version))
  }

  /**
   * Read while the bundle is built, checked and packed: the channels' current releases, and
   * the base release's bundle, whose unchanged entries the pack reuses (none when it cannot
   * be read).
   */
  prefetchPublish(appId: string, channels: readonly string[], dir: string): PublishPrefetch {
    const releases = channels.map((channel) => this.readRelease(appId, channel).catch(() => undefined))
    const base = firstRelease(releases)
    return {
      current: releases[0],
      base,
      readPreviousBundle: (signal) => base.then((release) => release && this.readBundle(appId, release, join(dir, 'previous-bundle.zip'), signal)).catch(() => undefined)
    }
  }

  private async readRelease(appId: string, channel: string): Promise<CurrentRelease | undefined> {
    const pointer = await this.readPointer(appId, channel)
    const manifest = pointer && (await this.readManifest(appId, pointer.version))
    return pointer && manifest?.files && manifest.checksum === pointer.checksum ? { pointer, manifest } : undefined
  }

  /** The archive, which the pack follows as it arrives, and beside it its tail, for the central directory. */
  private async readBundle(appId: string, { pointer, manifest }: CurrentRelease, archivePath: string, signal: AbortSignal): Promise<PreviousBundle | undefined> {
    const key = registryKeys.bundle(appId, pointer.version)
    const { size } = manifest
    if (size === 0) return undefined
    const file = new GrowingFile()
    // Stopped by the pack, or here when the tail cannot be read: the archive is then of no use.
    const unused = new AbortController()
    const read = this.store.readToFile(key, archivePath, { size, onWritten: (bytes) => file.wrote(bytes), signal: AbortSignal.any([signal, unused.signal]) })
    // Only an archive that matches its manifest, read in one attempt, vouches for the entries taken from it.
    const verified = read.then((sha256) => sha256 === manifest.checksum && !file.restarted, () => false).finally(() => file.stop())
    const tail = await this.store.readRange(key, Math.max(0, size - TAIL_BYTES), size - 1).catch(() => undefined)
    if (!tail) unused.abort()
    return tail && { archivePath, files: manifest.files, size, tail, reached: (offset) => file.reached(offset), verified }
  }

  async publish(request: PublishRequest): Promise<PublishAttempt> {
    const { appId, version, channel } = request
    const closedKey = registryKeys.closedChannel(appId, channel)
    if (request.reopensChannel) await this.store.remove(closedKey)
    else if (await this.store.read(closedKey)) return { kind: 'closed' }

    const bundleKey = registryKeys.bundle(appId, version)
    const bundleUrl = this.store.publicUrl(bundleKey)
    const bundleCreated = await notMoved(() => this.storeBundle(request, bundleKey))
    await notMoved(() => this.storeManifest(request, bundleUrl))
    const { webDir } = request
    // After the manifest, so that a collection running meanwhile sees these files as used.
    const files = webDir ? await notMoved(async () => storeFiles(this.store, appId, webDir, request.manifest.files, knownRelease(appId, await request.prefetched?.base))) : undefined

    const moved = withFiles(await this.movePointer(request, bundleUrl, bundleCreated), files)
    // A cleanup that started meanwhile wins: the closed pull request's preview stays gone.
    if (await this.store.read(closedKey)) {
      await this.withdraw(request, moved.kind === 'published' ? moved.pointer : undefined)
      return { kind: 'closed' }
    }
    return moved
  }

  /** Compare-and-swap on the pointer, retried while other runs move it; forward only, unless a rollback says otherwise. */
  private async movePointer(request: PublishRequest, bundleUrl: string, bundleCreated: boolean): Promise<PublishAttempt> {
    const { appId, version, channel, checksum } = request
    const pointerKey = registryKeys.pointer(appId, channel)
    for (let attempt = 1; ; attempt++) {
      const stored = await notMoved(() => this.store.readTagged(pointerKey))
      const previousPointer = stored && this.parse<ChannelPointer>(pointerKey, stored.bytes)
      if (previousPointer?.version === version && previousPointer.checksum === checksum) {
        return { kind: bundleCreated ? 'published' : 'unchanged', bundleUrl, bundleCreated, pointer: previousPointer, previousPointer }
      }
      if (previousPointer && !request.allowBackward && !isForward(previousPointer.version, version)) {
        return { kind: 'behind', bundleUrl, bundleCreated, current: previousPointer }
      }
      if (await this.store.read(registryKeys.closedChannel(appId, channel))) return { kind: 'closed' }
      const pointer = nextPointer(request, bundleUrl, previousPointer)
      const bytes = json(pointer)
      // A write that failed may still have landed: the message says the pointer may have moved.
      const mayHaveMoved = `the channel pointer may now name ${version} (it named ${previousPointer?.version ?? 'nothing'}): check ${this.store.describe(pointerKey)}, then run the job again.`
      const swapped = await stating(mayHaveMoved, () => this.store.putIfMatch(pointerKey, bytes, stored?.tag, { contentType: 'application/json', sha256: sha256(bytes), cacheControl: CACHE_CONTROL.mutable }))
      if (swapped) {
        await stating(`the channel pointer was changed to ${version} (it named ${previousPointer?.version ?? 'nothing'}): check ${this.store.describe(pointerKey)}, then run the job again.`, () => this.verify(pointerKey, sha256(bytes)))
        return { kind: 'published', bundleUrl, bundleCreated, pointer, previousPointer }
      }
      if (attempt >= POINTER_ATTEMPTS) {
        throw new Error(`Other runs kept moving ${this.store.describe(pointerKey)} while this one tried ${POINTER_ATTEMPTS} times; the channel pointer was not changed: set a concurrency group on the workflow, then run the job again.`)
      }
    }
  }

  /** Promote and rollback: the channel moves to a stored version, whose bytes are checked, never sent again. */
  async moveChannel(move: ChannelMoveRequest): Promise<PublishAttempt> {
    const { appId, channel, manifest } = move
    const bundleKey = registryKeys.bundle(appId, manifest.version)
    if ((await this.store.checksum(bundleKey)) !== manifest.checksum) {
      throw new UserError(`${this.store.describe(bundleKey)} is missing or does not match its manifest's checksum, so ${channel} cannot be pointed at ${manifest.version}: publish that version again, or name another one.`)
    }
    if (await this.store.read(registryKeys.closedChannel(appId, channel))) return { kind: 'closed' }
    const { url: _url, ...stored } = manifest
    const request: PublishRequest = {
      appId, channel, version: manifest.version, archivePath: '', checksum: manifest.checksum, size: manifest.size,
      manifest: { ...stored, channel }, allowBackward: move.rollback, rollout: move.rollout, promotedFrom: move.promotedFrom
    }
    return this.movePointer(request, manifest.url, false)
  }

  /** Raises, pauses or finishes a channel's rollout by compare-and-swap on its pointer. */
  async changeRollout(appId: string, channel: string, change: RolloutChange): Promise<RolloutResult> {
    const key = registryKeys.pointer(appId, channel)
    for (let attempt = 1; attempt <= POINTER_ATTEMPTS; attempt++) {
      const stored = await this.store.readTagged(key)
      if (!stored) throw new UserError(`Channel ${channel} of ${appId} has no pointer in ${this.store.describe(key)}: check the channel input.`)
      const before = this.parse<ChannelPointer>(key, stored.bytes)
      const after = changedRollout(before, change)
      const bytes = json(after)
      if (await this.store.putIfMatch(key, bytes, stored.tag, { contentType: 'application/json', sha256: sha256(bytes), cacheControl: CACHE_CONTROL.mutable })) {
        await this.verify(key, sha256(bytes))
        return { before, after }
      }
    }
    throw new Error(`Other runs kept moving ${this.store.describe(key)} while this one tried ${POINTER_ATTEMPTS} times; the rollout was not changed: set a concurrency group on the workflow, then run the job again.`)
  }

  /** Takes back what this run added to a channel that was closed meanwhile. */
  private async withdraw(request: PublishRequest, pointer: ChannelPointer | undefined): Promise<void> {
    const { appId, version, channel } = request
    const pointerKey = registryKeys.pointer(appId, channel)
    if (pointer && (await this.readJson<ChannelPointer>(pointerKey))?.version === pointer.version) await this.store.remove(pointerKey)
    if ((await this.versionsUsedByOtherChannels(appId, channel)).has(version)) return
    await this.store.remove(registryKeys.bundle(appId, version))
    await this.store.remove(registryKeys.manifest(appId, version))
    await this.removeUnusedFiles(appId)
  }

  private removeUnusedFiles(appId: string): Promise<void> {
    return removeUnusedFiles(this.store, appId, (key) => this.readJson<Manifest>(key))
  }

  private async storeBundle(request: PublishRequest, key: string): Promise<boolean> {
    const existing = await this.store.checksum(key)
    if (existing && existing !== request.checksum) throw this.immutableError(request, key)
    if (existing) return false
    return this.storeVerified(key, request.checksum, () => this.store.putFile(key, request.archivePath, {
      contentType: 'application/zip',
      sha256: request.checksum,
      md5: request.md5,
      size: request.size,
      ifAbsent: true,
      cacheControl: CACHE_CONTROL.immutable
    }), async () => this.immutableError(request, key))
  }

  /**
   * Writes an immutable object only if absent, then reads its checksum back from the store.
   * Bytes this run wrote that changed on the way are removed and sent again; other bytes that
   * a concurrent run stored first stand, and this run is refused.
   */
  private async storeVerified(key: string, expected: string, put: () => Promise<boolean>, taken: () => Promise<Error | undefined>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const created = await put()
      const stored = await this.store.checksum(key)
      if (stored === expected) return created
      if (!created && stored) {
        const refusal = await taken()
        if (refusal) throw refusal
        return false
      }
      if (created && stored) await this.store.remove(key)
      if (attempt >= STORE_ATTEMPTS) {
        throw new Error(`${this.store.describe(key)} did not read back with the checksum it was written with after ${STORE_ATTEMPTS} attempts (${created ? 'the store changed the bytes' : 'the store refused the write as already present, yet it holds nothing'}).`)
      }
    }
  }

  private async storeManifest(request: PublishRequest, bundleUrl: string): Promise<void> {
    const key = registryKeys.manifest(request.appId, request.version)
    const existing = await this.readJson<Manifest>(key)
    if (existing) {
      if (existing.checksum !== request.checksum) throw this.immutableError(request, key)
      return
    }
    // The endpoint offers the files one by one only for manifests that say they were stored.
    const bytes = json({ ...request.manifest, url: bundleUrl, ...(request.webDir ? { contentAddressedFiles: true } : {}) })
    const put = () => this.store.putBytes(key, bytes, { contentType: 'application/json', sha256: sha256(bytes), ifAbsent: true, cacheControl: CACHE_CONTROL.immutable })
    // Another run of this version wrote its manifest first: for the same bundle that is fine.
    await this.storeVerified(key, sha256(bytes), put, async () =>
      (await this.readJson<Manifest>(key))?.checksum === request.checksum ? undefined : this.immutableError(request, key))
  }

  private async verify(key: string, expected: string): Promise<void> {
    const stored = await this.store.checksum(key)
    if (stored !== expected) {
      throw new Error(`${this.store.describe(key)} did not read back with the checksum it was written with.`)
    }
  }

  private immutableError(request: PublishRequest, key: string): UserError {
    return new UserError(
      `Version ${request.version} of ${request.appId} is already in the registry (${this.store.describe(key)}) with other content, and versions are immutable: bump the version in package.json or give a new version input.`
    )
  }

  async storePreviewQrCode(appId: string, version: string, svg: string): Promise<string> {
    const key = registryKeys.previewQrCode(appId, version)
    const bytes = Buffer.from(svg)
    // Not immutable like the bundle: a rerun with another preview-url replaces it.
    await this.store.putBytes(key, bytes, { contentType: 'image/svg+xml', sha256: sha256(bytes), ifAbsent: false, cacheControl: CACHE_CONTROL.mutable })
    return this.store.publicUrl(key)
  }

  async removeChannel(appId: string, channel: string): Promise<RemovalResult> {
    // The tombstone goes first: a publish still running sees it, and takes back what it wrote.
    const tombstone = json({ channel, closedAt: new Date().toISOString() })
    await this.store.putBytes(registryKeys.closedChannel(appId, channel), tombstone, { contentType: 'application/json', sha256: sha256(tombstone), ifAbsent: false, cacheControl: CACHE_CONTROL.mutable })
    const pointerKey = registryKeys.pointer(appId, channel)
    const pointer = await this.readJson<ChannelPointer>(pointerKey)
    // The pointer goes first: a device must never see a pointer to a deleted bundle.
    if (pointer) await this.store.remove(pointerKey)

    const stillUsed = await this.versionsUsedByOtherChannels(appId, channel)
    const ours = new Set(pointer ? [pointer.version, ...(pointer.previous ?? []).map((ref) => ref.version)] : [])
    for (const key of await this.store.list(registryKeys.bundlesPrefix(appId))) {
      if (!key.endsWith('/manifest.json')) continue
      const manifest = await this.readJson<Manifest>(key)
      if (manifest?.channel === channel && manifest.version) ours.add(manifest.version)
    }
    const removedVersions: string[] = []
    for (const version of [...ours].sort()) {
      if (stillUsed.has(version)) continue
      await this.store.remove(registryKeys.bundle(appId, version))
      await this.store.remove(registryKeys.manifest(appId, version))
      await this.store.remove(registryKeys.previewQrCode(appId, version))
      removedVersions.push(version)
    }
    if (removedVersions.length > 0) await this.removeUnusedFiles(appId)
    return { removedPointer: Boolean(pointer), removedVersions }
  }

  async listChannels(appId: string): Promise<string[]> {
    const prefix = registryKeys.channelsPrefix(appId)
    const keys = await this.store.list(prefix)
    return keys.filter((key) => key.endsWith('.json') && !key.slice(prefix.length).includes('/')).map((key) => key.slice(prefix.length, -'.json'.length)).sort()
  }

  private async versionsUsedByOtherChannels(appId: string, channel: string): Promise<Set<string>> {
    const used = new Set<string>()
    const own = registryKeys.pointer(appId, channel)
    for (const key of await this.store.list(registryKeys.channelsPrefix(appId))) {
      if (key === own || !key.endsWith('.json')) continue
      const other = await this.readJson<ChannelPointer>(key)
      if (!other) continue
      used.add(other.version)
      for (const ref of other.previous ?? []) used.add(ref.version)
    }
    return used
  }
}
