/**
 * Formats that are compressed already: deflating (in the zip) or brotli-compressing (in the
 * registry's content-addressed files) them again costs time and saves nothing.
 */
const COMPRESSED_EXTENSIONS = new Set([
  '.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif', '.heic', '.ico',
  '.woff', '.woff2', '.mp3', '.mp4', '.m4a', '.webm', '.ogg', '.zip', '.gz', '.br', '.zst'
])

/** No node:path here: the update endpoint, which runs on Workers and Deno too, names files by it. */
export function isCompressedFormat(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  return dot > 0 && COMPRESSED_EXTENSIONS.has(name.slice(dot).toLowerCase())
}
