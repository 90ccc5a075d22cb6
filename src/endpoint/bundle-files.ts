/*
 * A release's content-addressed files (docs/architecture.md, Registry), for plugins that
 * download a bundle file by file and keep the files they already hold.
 */
import type { BundleFile } from '../bundle/pack.js'
import { registryKeys } from '../registry/layout.js'
import type { Release } from '../registry/releases.js'
import { storedFile } from '../registry/stored-file.js'
import type { RegistryReader } from './registry-reader.js'

/** One file of a release as a device fetches it: `url` holds it brotli-compressed when `brotli`. */
export interface ReleaseFile {
  path: string
  sha256: string
  brotli: boolean
  url: string
}

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
 * Reads each release's manifest once (it is immutable). A release has files only when its
 * manifest says the publish stored them and its bundle sits at its registry key, whose
 * base URL the files share; every other release is downloaded as its zip.
 */
export class BundleFiles {
  private readonly cache = new Map<string, Promise<ReleaseFile[] | undefined>>()

  constructor(private readonly registry: RegistryReader) {}

  of(appId: string, release: Release): Promise<ReleaseFile[] | undefined> {
    const key = `${appId}/${release.version}/${release.checksum}`
    const cached = this.cache.get(key)
    if (cached) return cached
    const files = this.read(appId, release, key)
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string)
    this.cache.set(key, files)
    return files
  }

  private async read(appId: string, release: Release, cacheKey: string): Promise<ReleaseFile[] | undefined> {
    const bundleKey = registryKeys.bundle(appId, release.version)
    if (!release.url.endsWith(`/${bundleKey}`)) return undefined
    const base = release.url.slice(0, -bundleKey.length)
    const read = await this.registry.read(registryKeys.manifest(appId, release.version))
    if (read.kind !== 'found') {
      // Not cached: the next request reads again once the registry answers.
      this.cache.delete(cacheKey)
      return undefined
    }
    return parseFiles(read.text)?.map((file) => {
      const stored = storedFile(appId, file)
      return { path: file.path, sha256: file.sha256, brotli: stored.brotli, url: `${base}${stored.key}` }
    })
  }
}
