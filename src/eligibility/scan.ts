import { open } from 'node:fs/promises'
import { extname } from 'node:path'
import { listWebFiles } from '../bundle/files.js'

const NATIVE_EXTENSIONS = new Set(['.so', '.dylib', '.jar', '.aar', '.dex', '.a', '.dll', '.exe', '.apk', '.ipa'])
const MAGIC: [string, Buffer][] = [
  ['ELF', Buffer.from([0x7f, 0x45, 0x4c, 0x46])],
  ['Mach-O', Buffer.from([0xfe, 0xed, 0xfa, 0xce])],
  ['Mach-O', Buffer.from([0xfe, 0xed, 0xfa, 0xcf])],
  ['Mach-O', Buffer.from([0xce, 0xfa, 0xed, 0xfe])],
  ['Mach-O', Buffer.from([0xcf, 0xfa, 0xed, 0xfe])],
  ['Mach-O universal binary', Buffer.from([0xca, 0xfe, 0xba, 0xbe])],
  ['DEX', Buffer.from('dex\n')]
]

async function magicOf(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(4)
    const { bytesRead } = await handle.read(head, 0, 4, 0)
    return MAGIC.find(([, bytes]) => bytesRead === 4 && head.equals(bytes))?.[0]
  } finally {
    await handle.close()
  }
}

/**
 * The bundle holds web code only: a native binary inside it (by name or by its magic
 * bytes, whatever it is called) could not run from a live update and has no place there.
 */
export async function scanBundle(webDir: string): Promise<{ message: string; file?: string }[]> {
  const problems: { message: string; file?: string }[] = []
  for (const file of await listWebFiles(webDir)) {
    const framework = file.path.split('/').find((part) => part.endsWith('.framework') || part.endsWith('.xcframework'))
    const ext = extname(file.path).toLowerCase()
    if (framework) problems.push({ message: `native framework in the bundle: ${file.path}` })
    else if (NATIVE_EXTENSIONS.has(ext)) problems.push({ message: `native binary in the bundle: ${file.path}` })
    else {
      const kind = file.size >= 4 ? await magicOf(file.absolutePath) : undefined
      if (kind) problems.push({ message: `native binary in the bundle: ${file.path} (${kind})` })
    }
  }
  return problems
}
