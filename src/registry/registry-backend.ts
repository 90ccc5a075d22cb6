import { createHash } from 'node:crypto'
import { UserError } from '../errors.js'
import { PREVIOUS_VERSIONS_KEPT, registryKeys } from './layout.js'
import type { ObjectStore } from './store.js'
import type { Backend, ChannelPointer, Manifest, PublishRequest, PublishResult, RemovalResult } from './types.js'

const IMMUTABLE = 'public, max-age=31536000, immutable'
const MUTABLE = 'no-cache'

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
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

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.store.read(key)
    if (!bytes) return undefined
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

  async publish(request: PublishRequest): Promise<PublishResult> {
    const { appId, version, channel, checksum } = request
    const bundleKey = registryKeys.bundle(appId, version)
    const bundleUrl = this.store.publicUrl(bundleKey)
    const bundleCreated = await this.storeBundle(request, bundleKey)
    await this.storeManifest(request, bundleUrl)

    const pointerKey = registryKeys.pointer(appId, channel)
    const previousPointer = await this.readJson<ChannelPointer>(pointerKey)
    if (previousPointer?.version === version && previousPointer.checksum === checksum) {
      return { status: bundleCreated ? 'published' : 'unchanged', bundleUrl, bundleCreated, pointer: previousPointer, previousPointer }
    }
    const { files: _files, nativeSources: _sources, eligibility: _verdict, appId: _appId, ...fields } = request.manifest
    const history = previousPointer ? [{ version: previousPointer.version, checksum: previousPointer.checksum }, ...(previousPointer.previous ?? [])] : []
    const pointer: ChannelPointer = {
      ...fields,
      url: bundleUrl,
      previous: history.filter((ref) => ref.version !== version).slice(0, PREVIOUS_VERSIONS_KEPT)
    }
    const bytes = json(pointer)
    await this.store.putBytes(pointerKey, bytes, { contentType: 'application/json', sha256: sha256(bytes), ifAbsent: false, cacheControl: MUTABLE })
    await this.verify(pointerKey, sha256(bytes))
    return { status: 'published', bundleUrl, bundleCreated, pointer, previousPointer }
  }

  private async storeBundle(request: PublishRequest, key: string): Promise<boolean> {
    const existing = await this.store.checksum(key)
    if (existing && existing !== request.checksum) throw this.immutableError(request, key)
    if (existing) return false
    const created = await this.store.putFile(key, request.archivePath, {
      contentType: 'application/zip',
      sha256: request.checksum,
      size: request.size,
      ifAbsent: true,
      cacheControl: IMMUTABLE
    })
    const stored = await this.store.checksum(key)
    if (stored !== request.checksum) {
      // A concurrent run stored other bytes under this version first: that one stands.
      if (!created && stored) throw this.immutableError(request, key)
      throw new Error(`${this.store.describe(key)} did not read back with the checksum it was written with; nothing was pointed at it.`)
    }
    return created
  }

  private async storeManifest(request: PublishRequest, bundleUrl: string): Promise<void> {
    const key = registryKeys.manifest(request.appId, request.version)
    const existing = await this.readJson<Manifest>(key)
    if (existing) {
      if (existing.checksum !== request.checksum) throw this.immutableError(request, key)
      return
    }
    const bytes = json({ ...request.manifest, url: bundleUrl })
    const written = await this.store.putBytes(key, bytes, { contentType: 'application/json', sha256: sha256(bytes), ifAbsent: true, cacheControl: IMMUTABLE })
    if (written) await this.verify(key, sha256(bytes))
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

  async removeChannel(appId: string, channel: string): Promise<RemovalResult> {
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
      removedVersions.push(version)
    }
    return { removedPointer: Boolean(pointer), removedVersions }
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
