import { extname } from 'node:path'

/**
 * Formats that are compressed already: deflating (in the zip) or brotli-compressing (in the
 * registry's content-addressed files) them again costs time and saves nothing.
 */
const COMPRESSED_EXTENSIONS = new Set([
  '.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif', '.heic', '.ico',
  '.woff', '.woff2', '.mp3', '.mp4', '.m4a', '.webm', '.ogg', '.zip', '.gz', '.br', '.zst'
])

export const isCompressedFormat = (path: string): boolean => COMPRESSED_EXTENSIONS.has(extname(path).toLowerCase())
