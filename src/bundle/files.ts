import { accessSync, constants, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs'
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

/** A file-system call, or the error the user can fix (webDirProblem). */
function checked<T>(call: () => T, path: string, kind: 'file' | 'folder'): T {
  try {
    return call()
  } catch (error) {
    throw webDirProblem(error, path, kind)
  }
}
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..')
}

/**
 * A file-system error the user can fix, as one sentence naming the file and the fix; any
 * other error is returned as it is (a bug, reported with its stack).
 */
export function webDirProblem(error: unknown, path: string, kind: 'file' | 'folder'): unknown {
  const shown = path || '.'
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EACCES':
    case 'EPERM':
      return new UserError(
        `The web dir ${kind} ${shown} cannot be read (permission denied): make it readable by the user the action runs as (chmod a+r${kind === 'folder' ? 'x' : ''} ${shown}).`
      )
    case 'ENAMETOOLONG':
      return new UserError(`The web dir path ${shown} is longer than the file system allows: shorten the names of its folders and files.`)
    case 'ENOENT':
      return new UserError(`The web dir ${kind} ${shown} disappeared while the bundle was made: make sure nothing else changes the build output during this step.`)
    case 'ELOOP':
      return symlinkLoop(shown)
    default:
      return error
  }
}

const symlinkLoop = (path: string) =>
  new UserError(`The web dir has a symlink ${path} that loops back on itself: remove it, or copy the files it should point at into the build output.`)

/** A name as the bundle will carry it: valid UTF-8 (zip readers decode names as UTF-8) and no backslash. */
function entryName(raw: Buffer, prefix: string): string {
  let name: string
  try {
    name = strictUtf8.decode(raw)
  } catch {
    const shown = `${prefix ? `${prefix}/` : ''}${raw.toString('latin1')}`
    throw new UserError(
      `The web dir has a file name that is not valid UTF-8 (${JSON.stringify(shown)}, bytes ${raw.toString('hex')}): rename it with UTF-8 characters, as devices read bundle names as UTF-8.`
    )
  }
  const path = prefix ? `${prefix}/${name}` : name
  if (name.includes('\\')) {
    throw new UserError(
      `The web dir file ${path} has a backslash in its name, which extractors on other platforms take for a folder separator: rename it without one.`
    )
  }
  return path
}

function specialFileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)'
  if (info.isSocket()) return 'a socket'
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device file'
  return 'a special file'
}

function checkReadable(files: WebFile[]): void {
  for (const file of files) checked(() => accessSync(file.absolutePath, constants.R_OK), file.path, 'file')
}

/**
 * Every file of the web dir in a stable order, checked before anything is packed: regular
 * files and folders only, names a device can extract, every file readable. A symlink is
 * followed only while it stays inside the web dir: one that leaves it would ship files the
 * build never meant to. The calls are synchronous: a few microseconds each, where an
 * asynchronous one waits for a turn of an event loop that a publish keeps busy (5,000 files:
 * 0.1 s against 0.25 s idle and 1.5 s beside a download).
 */
export async function listWebFiles(webDir: string, limits: ListLimits = DEFAULT_LIMITS): Promise<WebFile[]> {
  const root = realpathSync(webDir)
  const files: WebFile[] = []

  /** `ancestors`: real paths of the folders being walked, to tell a loop from a second link to a folder. */
  function walk(dir: string, prefix: string, ancestors: Set<string>): void {
    const rawNames = checked(() => readdirSync(dir, { encoding: 'buffer' }), prefix, 'folder')
    const paths = rawNames.map((raw) => entryName(raw, prefix))
    const names = rawNames.map((raw) => raw.toString('utf8'))
    const order = names.map((_, index) => index).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0))
    for (const index of order) {
      const path = paths[index]
      const absolute = join(dir, names[index])
      let info: Stats = checked(() => lstatSync(absolute), path, 'file')
      let target = absolute
      if (info.isSymbolicLink()) {
        try {
          target = realpathSync(absolute)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            throw new UserError(`The web dir has a symlink ${path} whose target does not exist: remove it, or build the file it points at.`)
          }
          throw webDirProblem(error, path, 'file')
        }
        if (!isInside(root, target)) {
          throw new UserError(
            `The web dir has a symlink ${path} that points outside it: copy the file into the build output instead of linking it.`
          )
        }
        info = statSync(target)
      }
      if (info.isDirectory()) {
        if (ancestors.has(target)) throw symlinkLoop(path)
        walk(target, path, new Set(ancestors).add(target))
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
      } else {
        throw new UserError(`The web dir has ${specialFileKind(info)} at ${path}: a bundle holds only files and folders, so remove it from the build output.`)
      }
    }
  }

  walk(root, '', new Set([root]))
  if (!files.some((file) => file.path === 'index.html')) {
    throw new UserError('The web dir has no regular file index.html at its root (it is a folder or a link to one): point web-dir at the folder the build writes index.html to.')
  }
  checkReadable(files)
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
