/* The registry as a folder on this machine: the Node server's `--registry <dir>` (Node only). */
import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, type RegistryBytes, type RegistryRead, type RegistryReader } from './registry-reader.js'

const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EISDIR'])

export class FolderRegistryReader implements RegistryReader {
  readonly location: string

  constructor(root: string) {
    this.location = resolve(root)
  }

  async read(key: string): Promise<RegistryRead> {
    const read = await this.readBytes(key)
    return read.kind === 'found' ? { kind: 'found', text: Buffer.from(read.bytes).toString('utf8') } : read
  }

  async readBytes(key: string): Promise<RegistryBytes> {
    try {
      return { kind: 'found', bytes: await readFile(join(this.location, key)) }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? ''
      if (ABSENT.has(code)) return { kind: 'missing' }
      return { kind: 'unreachable', reason: `cannot read ${join(this.location, key)}: ${describe(error)}` }
    }
  }

  async listChannels(appId: string): Promise<string[]> {
    try {
      const names = await readdir(join(this.location, appId, 'channels'))
      return names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)).sort()
    } catch {
      return []
    }
  }
}
