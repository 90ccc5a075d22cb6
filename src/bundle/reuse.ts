/**
 * The previous bundle's deflated entries, which the pack takes as they are for the files
 * that did not change (same path, sha256, CRC-32 and size) instead of deflating them again.
 * The previous archive is the channel's current one, read back from the registry and checked
 * against its manifest's checksum; its entries were written by this packer, so under the same
 * zlib an unchanged file's entry is the bytes a fresh pack writes. See docs/architecture.md, Stages.
 */
import yauzl from 'yauzl'
import type { BundleFile } from './pack.js'
import { nextEntry } from './unpack.js'
import { METHOD_DEFLATE } from './zip-format.js'

/** Where a deflated entry of the previous archive lies, and what its file was. */
interface ReusableEntry {
  sha256: string
  crc32: number
  size: number
  compressedSize: number
  /** Offset of its local header; the data follows the header's name and extra field. */
  headerOffset: number
}

export interface ReusableArchive {
  archivePath: string
  /** By path inside the bundle. */
  entries: Map<string, ReusableEntry>
}

/** The previous bundle as the registry holds it: its archive on disk, already checked against its manifest's checksum, and the manifest's files. */
export interface PreviousBundle {
  archivePath: string
  files: readonly BundleFile[]
}

/** The deflated entries of the previous archive. */
export async function readReusable(previous: PreviousBundle): Promise<ReusableArchive> {
  const byPath = new Map(previous.files.map((file) => [file.path, file]))
  const entries = new Map<string, ReusableEntry>()
  const zip = await yauzl.openPromise(previous.archivePath, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true })
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const file = byPath.get(entry.fileName)
      if (!file || entry.compressionMethod !== METHOD_DEFLATE || entry.uncompressedSize !== file.size) continue
      entries.set(entry.fileName, { sha256: file.sha256, crc32: entry.crc32, size: file.size, compressedSize: entry.compressedSize, headerOffset: entry.relativeOffsetOfLocalHeader })
    }
  } finally {
    zip.close()
  }
  return { archivePath: previous.archivePath, entries }
}
