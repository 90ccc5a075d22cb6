import { closeSync, openSync, readSync } from 'node:fs'
import { extname } from 'node:path'
import { listWebFiles } from '../bundle/files.js'

const NATIVE_EXTENSIONS = new Set(['.so', '.dylib', '.jar', '.aar', '.dex', '.a', '.dll', '.exe', '.apk', '.ipa'])
const prefix = (bytes: number[]) => (head: Buffer) => head.length >= bytes.length && bytes.every((byte, i) => head[i] === byte)
/** DEX's magic is "dex\n", a three-digit format version and a NUL: text that merely starts with "dex\n" is not one. */
const DEX_MAGIC = /^dex\n\d{3}\0/
const MAGIC: [string, (head: Buffer) => boolean][] = [
  ['ELF', prefix([0x7f, 0x45, 0x4c, 0x46])],
  ['Mach-O', prefix([0xfe, 0xed, 0xfa, 0xce])],
  ['Mach-O', prefix([0xfe, 0xed, 0xfa, 0xcf])],
  ['Mach-O', prefix([0xce, 0xfa, 0xed, 0xfe])],
  ['Mach-O', prefix([0xcf, 0xfa, 0xed, 0xfe])],
  ['Mach-O universal binary', prefix([0xca, 0xfe, 0xba, 0xbe])],
  ['DEX', (head) => DEX_MAGIC.test(head.toString('latin1'))]
]
const HEAD_BYTES = 8

/** Read synchronously, as the web dir is listed (src/bundle/files.ts): three calls of a few microseconds, where asynchronous ones wait for a busy event loop. */
function magicOf(path: string): string | undefined {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(HEAD_BYTES)
    const bytesRead = readSync(fd, head, 0, HEAD_BYTES, 0)
    return MAGIC.find(([, matches]) => matches(head.subarray(0, bytesRead)))?.[0]
  } finally {
    closeSync(fd)
  }
}

/**
 * The bundle holds web code only: a native binary inside it (by name or by its magic
 * bytes, whatever it is called) could not run from a live update and has no place there.
 */
export async function scanBundle(webDir: string): Promise<{ message: string; file?: string }[]> {
  const found = (await listWebFiles(webDir)).map((file): { message: string } | undefined => {
    const framework = file.path.split('/').find((part) => part.endsWith('.framework') || part.endsWith('.xcframework'))
    if (framework) return { message: `native framework in the bundle: ${file.path}` }
    if (NATIVE_EXTENSIONS.has(extname(file.path).toLowerCase())) return { message: `native binary in the bundle: ${file.path}` }
    const kind = file.size >= 4 ? magicOf(file.absolutePath) : undefined
    return kind ? { message: `native binary in the bundle: ${file.path} (${kind})` } : undefined
  })
  return found.filter((problem) => problem !== undefined)
}
