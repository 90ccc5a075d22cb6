/*
 * A release's content-addressed files (docs/architecture.md, Registry), for plugins that
 * download a bundle file by file and keep the files they already hold.
 */
import type { BundleFile } from '../bundle/pack.js'
import { registryKeys } from '../registry/layout.js'
import type { Release } from '../registry/releases.js'
import { storedFile } from '../registry/stored-file.js'
import type { RegistryReader } from './registry-reader.js'

/** One file of a stored version: its registry key holds it brotli-compressed when `brotli`. */
export interface VersionFile {
  path: string
  sha256: string
  /** Bytes once decoded. */
  size: number
  key: string
  brotli: boolean
}

/** One file of a release as a device fetches it from the registry: `url` is `key` under the bundle's base URL. */
export interface ReleaseFile extends VersionFile {
  url: string
}

/** A stored version's files, none (no such version, or packed before content-addressed files), or the registry cannot say now. */
export type VersionFiles = { kind: 'files'; files: VersionFile[] } | { kind: 'none' } | { kind: 'unreachable' }

const MAX_CACHED = 1000

function parseFiles(text: string): BundleFile[] | undefined {
  try {
    const manifest = JSON.parse(text) as { contentAddressedFiles?: unknown; files?: unknown }
    if (manifest.contentAddressedFiles !== true || !Array.isArray(manifest.files)) return undefined
    const files = manifest.files as BundleFile[]
    return files.every((f) => typeof f.path === 'string' && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256) && typeof f.size === 'number') ? files : undefined
  } catch {
    return undefined
  }
}

/**
 * Reads each version's manifest once (a stored version never changes). A version has files
 * only when its manifest says the publish stored them; a release hands them to devices only
 * when its bundle sits at its registry key, whose base URL the files share. Every other
 * release is downloaded as its zip.
 */
export class BundleFiles {
  private readonly cache = new Map<string, Promise<VersionFiles>>()

  constructor(private readonly registry: RegistryReader) {}

  /** The release's files at their registry URLs, or undefined for a release downloaded as its zip. */
  async of(appId: string, release: Release): Promise<ReleaseFile[] | undefined> {
    const bundleKey = registryKeys.bundle(appId, release.version)
    if (!release.url.endsWith(`/${bundleKey}`)) return undefined
    const base = release.url.slice(0, -bundleKey.length)
    const stored = await this.ofVersion(appId, release.version)
    return stored.kind === 'files' ? stored.files.map((file) => ({ ...file, url: `${base}${file.key}` })) : undefined
  }

  /** The files of a stored version, by its manifest. */
  ofVersion(appId: string, version: string): Promise<VersionFiles> {
    const key = `${appId}/${version}`
    const cached = this.cache.get(key)
    if (cached) return cached
    const files = this.read(appId, version, key)
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string)
    this.cache.set(key, files)
    return files
  }

  private async read(appId: string, version: string, cacheKey: string): Promise<VersionFiles> {
    const read = await this.registry.read(registryKeys.manifest(appId, version))
    if (read.kind !== 'found') {
      // Not cached: the next request reads again once the registry answers (or the version is published).
      this.cache.delete(cacheKey)
      return read.kind === 'missing' ? { kind: 'none' } : { kind: 'unreachable' }
    }
    const files = parseFiles(read.text)
    return files ? { kind: 'files', files: files.map((file) => ({ path: file.path, sha256: file.sha256, size: file.size, ...storedFile(appId, file) })) } : { kind: 'none' }
  }
}
