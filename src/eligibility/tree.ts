import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { GitPort } from './git.js'
import { sha256 } from '../sha256.js'

/** The project's files, in the work tree or at a git ref: the fingerprint reads both alike. */
export interface SourceTree {
  /** Every file path (relative to the project, `/`-separated) under a folder. */
  list(folder: string): Promise<string[]>
  read(path: string): Promise<Buffer | undefined>
  /** sha256 hex of each path's content. */
  hashes(paths: string[]): Promise<Map<string, string>>
}

/** Folders that hold build output, caches or copies, never sources. */
const SKIPPED_DIRS = new Set(['node_modules', 'Pods', '.gradle', 'build', 'DerivedData', 'xcuserdata', '.cxx', '.idea', '.git'])

function isSkippedPath(path: string): boolean {
  return path.split('/').some((part) => SKIPPED_DIRS.has(part))
}

export function workTree(root: string): SourceTree {
  async function walk(folder: string, out: string[]): Promise<void> {
    let entries
    try {
      entries = await readdir(join(root, folder), { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = folder ? `${folder}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(path, out)
      } else if (entry.isFile()) out.push(path)
    }
  }
  return {
    async list(folder) {
      const out: string[] = []
      await walk(folder, out)
      return out.sort()
    },
    read: (path) => readFile(join(root, path)).catch(() => undefined),
    async hashes(paths) {
      const result = new Map<string, string>()
      await Promise.all(paths.map(async (path) => {
        const data = await readFile(join(root, path)).catch(() => undefined)
        if (data) result.set(path, sha256(data))
      }))
      return result
    }
  }
}

/** The project at a git ref, read with one ls-tree and the check's cat-file for what is read: the work tree is never touched. */
export async function gitTree(git: GitPort, ref: string, projectPrefix: string): Promise<SourceTree | undefined> {
  const listing = await git.run(['ls-tree', '-r', '-z', '--full-tree', ref, '--', projectPrefix || '.'])
  if (listing === undefined) return undefined
  const blobs = new Map<string, string>()
  for (const record of listing.split('\0')) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(record)
    if (match && match[2].startsWith(projectPrefix)) blobs.set(match[2].slice(projectPrefix.length), match[1])
  }
  // One `git cat-file --batch` answers every read (GitPort.blobs): asking again costs a round trip, not a process.
  const contents = (paths: string[]) => git.blobs([...new Set(paths.map((p) => blobs.get(p)).filter((id): id is string => Boolean(id)))])
  return {
    async list(folder) {
      const prefix = folder ? `${folder}/` : ''
      return [...blobs.keys()].filter((p) => p.startsWith(prefix) && !isSkippedPath(p)).sort()
    },
    async read(path) {
      const id = blobs.get(path)
      return id ? (await contents([path])).get(id) : undefined
    },
    async hashes(paths) {
      const data = await contents(paths)
      const result = new Map<string, string>()
      for (const path of paths) {
        const bytes = data.get(blobs.get(path) ?? '')
        if (bytes) result.set(path, sha256(bytes))
      }
      return result
    }
  }
}
