import type { Stats } from 'node:fs'
import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { UserError } from '../errors.js'

export interface WebFile {
  /** Path inside the bundle, with `/` separators. */
  path: string
  /** Absolute path to read the bytes from (a symlink's target inside the web dir). */
  absolutePath: string
  size: number
}

export interface ListLimits {
  maxFiles: number
  maxFileBytes: number
}

export const DEFAULT_LIMITS: ListLimits = { maxFiles: 100_000, maxFileBytes: 2 * 1024 ** 3 }

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..')
}

const STAT_BATCH = 64

async function statAll(paths: string[]): Promise<Stats[]> {
  const infos: Stats[] = []
  for (let start = 0; start < paths.length; start += STAT_BATCH) {
    infos.push(...(await Promise.all(paths.slice(start, start + STAT_BATCH).map((path) => lstat(path)))))
  }
  return infos
}

/**
 * Every file of the web dir in a stable order. A symlink is followed only while it stays
 * inside the web dir: one that leaves it would ship files the build never meant to.
 */
export async function listWebFiles(webDir: string, limits: ListLimits = DEFAULT_LIMITS): Promise<WebFile[]> {
  const root = await realpath(webDir)
  const files: WebFile[] = []
  const seenDirs = new Set<string>()

  async function walk(dir: string, prefix: string): Promise<void> {
    const real = await realpath(dir)
    if (seenDirs.has(real)) return
    seenDirs.add(real)
    const names = (await readdir(dir)).sort()
    // The folder's entries are stat'ed together (the thread pool runs several at once), then walked in order.
    const infos = await statAll(names.map((name) => join(dir, name)))
    for (const [index, name] of names.entries()) {
      const absolute = join(dir, name)
      const path = prefix ? `${prefix}/${name}` : name
      let info = infos[index]
      let target = absolute
      if (info.isSymbolicLink()) {
        target = await realpath(absolute).catch(() => '')
        if (!target || !isInside(root, target)) {
          throw new UserError(
            `The web dir has a symlink ${path} that points outside it: copy the file into the build output instead of linking it.`
          )
        }
        info = await stat(target)
      }
      if (info.isDirectory()) {
        await walk(target, path)
      } else if (info.isFile()) {
        if (info.size > limits.maxFileBytes) {
          throw new UserError(
            `The web dir file ${path} is ${info.size} bytes, over the ${limits.maxFileBytes}-byte limit of a bundle file: keep large media out of the web build and download it at run time.`
          )
        }
        files.push({ path, absolutePath: target, size: info.size })
        if (files.length > limits.maxFiles) {
          throw new UserError(
            `The web dir has more than ${limits.maxFiles} files: check web-dir points at the build output, not the project (node_modules?).`
          )
        }
      }
    }
  }

  await walk(root, '')
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
