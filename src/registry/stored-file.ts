import { isCompressedFormat } from '../bundle/compressed-formats.js'
import type { BundleFile } from '../bundle/pack.js'
import { registryKeys } from './layout.js'

/**
 * Where one file of a bundle lives in the registry's content-addressed files. Files are
 * brotli-compressed unless their format is compressed already, because
 * @capgo/capacitor-updater decodes a manifest entry whose file_name ends in `.br` with
 * brotli and checks the decoded bytes against file_hash (DownloadService.java, 8.51.23).
 */
export interface StoredFile {
  key: string
  brotli: boolean
}

export function storedFile(appId: string, file: BundleFile): StoredFile {
  // The plugin decodes every file_name ending in .br: a file so named is wrapped once more.
  const brotli = file.path.endsWith('.br') || (file.size > 0 && !isCompressedFormat(file.path))
  return { key: registryKeys.file(appId, file.sha256, brotli), brotli }
}
