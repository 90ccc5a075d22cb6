import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { codeLikeText, Random } from './random.js'

export interface WebBundleSpec {
  files: number
  bytes: number
  seed: number
}

export interface WebBundleStats {
  files: number
  bytes: number
  /** Bytes of already-compressed files (images, fonts). */
  compressedBytes: number
}

/** Share of files, and of bytes, that are images and fonts in a typical app's web build. */
const BINARY_FILE_SHARE = 0.3
const BINARY_BYTE_SHARE = 0.6
const TEXT_KINDS = [
  { dir: 'assets/js', ext: '.js' }, { dir: 'assets/js', ext: '.js.map' }, { dir: 'assets/css', ext: '.css' },
  { dir: 'assets/i18n', ext: '.json' }, { dir: 'assets/icons', ext: '.svg' }, { dir: 'pages', ext: '.html' }
]
const BINARY_KINDS = [
  { dir: 'assets/img', ext: '.png' }, { dir: 'assets/img', ext: '.jpg' }, { dir: 'assets/img', ext: '.webp' },
  { dir: 'assets/fonts', ext: '.woff2' }
]
/** The text every file slices from: generating it once keeps the generator fast at 1 GB. */
const CORPUS_BYTES = 8 * 1024 * 1024
const FILES_PER_FOLDER = 40

/** Sizes with a heavy tail (a few big chunks, many small files) adding up to total. */
function sizes(random: Random, count: number, total: number): number[] {
  const weights = Array.from({ length: count }, () => 0.02 + random.next() ** 4)
  const sum = weights.reduce((a, b) => a + b, 0)
  const result = weights.map((w) => Math.max(1, Math.floor((w / sum) * total)))
  result[0] += total - result.reduce((a, b) => a + b, 0)
  return result
}

function sliceOf(corpus: Buffer, random: Random, size: number): Buffer {
  if (size <= corpus.length) {
    const start = random.int(corpus.length - size + 1)
    return corpus.subarray(start, start + size)
  }
  const out = Buffer.allocUnsafe(size)
  for (let at = 0; at < size; at += corpus.length) corpus.copy(out, at, 0, Math.min(corpus.length, size - at))
  return out
}

/**
 * A web build of `files` files and `bytes` bytes: an index.html, JS/CSS/JSON/SVG text that
 * deflates well, and images and fonts of random bytes that do not deflate at all.
 */
export async function generateWebBundle(root: string, spec: WebBundleSpec): Promise<WebBundleStats> {
  const random = new Random(spec.seed)
  const corpus = codeLikeText(random, Math.min(CORPUS_BYTES, Math.max(1024, spec.bytes)))
  const binaryCount = Math.round((spec.files - 1) * BINARY_FILE_SHARE)
  const textCount = spec.files - 1 - binaryCount
  const binaryBytes = Math.round(spec.bytes * BINARY_BYTE_SHARE)
  const textSizes = sizes(random, textCount, spec.bytes - binaryBytes - 2048)
  const binarySizes = sizes(random, binaryCount, binaryBytes)

  await mkdir(root, { recursive: true })
  const index = Buffer.concat([Buffer.from('<!doctype html><html><head>'), sliceOf(corpus, random, 2021)])
  await writeFile(join(root, 'index.html'), index)
  const write = async (kinds: typeof TEXT_KINDS, list: number[], content: (size: number) => Buffer): Promise<void> => {
    for (const [index, size] of list.entries()) {
      const kind = kinds[index % kinds.length]
      const folder = `${kind.dir}/g${Math.floor(index / (FILES_PER_FOLDER * kinds.length))}`
      const path = join(root, folder, `f${index.toString(36)}-${random.int(1 << 30).toString(36)}${kind.ext}`)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, content(size))
    }
  }
  await write(TEXT_KINDS, textSizes, (size) => sliceOf(corpus, random, size))
  await write(BINARY_KINDS, binarySizes, (size) => randomBytes(size))
  const written = index.length + [...textSizes, ...binarySizes].reduce((a, b) => a + b, 0)
  return { files: 1 + textCount + binaryCount, bytes: written, compressedBytes: binaryBytes }
}
