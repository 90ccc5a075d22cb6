import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, normalize } from 'node:path'
import semver from 'semver'
import type { NativeSource } from '../registry/types.js'
import type { GitPort } from './git.js'
import { chooseLockfile, lockedDependencies, type ChosenLockfile, type ReadFile } from './lockfile.js'
import type { DirectDependencies, LockedDependencies } from './lockfiles/types.js'
import { directDependencies, installedNativePlugins, looksNative, nativeHash, pluginSource } from './plugins.js'
import { gitTree, workTree } from './tree.js'
import type { UnknownPlugins } from './verdict.js'

/** One side's native plugins, what could not be told about them, and which lockfile said so. */
export interface PluginSide {
  plugins: NativeSource[]
  unknown: UnknownPlugins
  lockfile?: ChosenLockfile
  notes: string[]
}

function manifestOf(text: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(text ?? '{}')
  } catch {
    // An unparsable package.json names no dependencies; the other side still lists its own.
    return {}
  }
}

function readLocked(lockfile: ChosenLockfile | undefined, direct: DirectDependencies): { locked?: LockedDependencies; error?: string } {
  if (!lockfile) return {}
  try {
    return { locked: lockedDependencies(lockfile, direct) }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

const lockfileNote = (side: string, lockfile: ChosenLockfile | undefined, error?: string) =>
  lockfile ? `${side}: read ${lockfile.path}${lockfile.importer === '.' ? '' : ` (workspace ${lockfile.importer})`} (${lockfile.why})${error ? `, which could not be parsed: ${error}` : ''}` : `${side}: no lockfile`

/** The work tree: installed packages decide what is native, the lockfile adds each one's identity. */
export async function currentPlugins(projectDir: string, prefix: string): Promise<PluginSide> {
  const read: ReadFile = (path) => readFile(join(projectDir, path), 'utf8').catch(() => undefined)
  const direct = directDependencies(manifestOf(await read('package.json')))
  const lockfile = await chooseLockfile(read, prefix, { markers: true })
  const { locked, error } = readLocked(lockfile, direct)
  const notes = [lockfileNote('this change', lockfile, error)]
  const levels = prefix.split('/').filter(Boolean).length
  const nodeModules = Array.from({ length: levels + 1 }, (_, up) => join(projectDir, '../'.repeat(up), 'node_modules')).filter(existsSync)
  if (nodeModules.length > 0) return { plugins: await installedNativePlugins(nodeModules, direct, locked), unknown: {}, lockfile, notes }
  notes.push('node_modules is not installed: native plugins were named from the lockfile (install dependencies before this step to hash their native sources)')
  const plugins: NativeSource[] = []
  for (const name of direct.keys()) {
    const entry = locked?.get(name)
    if (!entry || !looksNative(name)) continue
    const hash = entry.local ? await nativeHash(workTree(join(projectDir, lockfile!.up, entry.local))) : ''
    plugins.push(pluginSource(name, entry.version, hash, entry.identity))
  }
  return { plugins, unknown: {}, lockfile, notes }
}

/** A file at a git ref, by its path relative to the app's folder. */
function readAtRef(git: GitPort, ref: string, prefix: string): ReadFile {
  return async (path) => {
    const inRepo = normalize(`${prefix}${path}`)
    if (inRepo.startsWith('..')) return undefined
    return git.show(`${ref}:${inRepo}`)
  }
}

/**
 * The plugins a baseline commit pinned: from the lockfile the head uses (or the baseline's
 * own), for the names the head knows as native or that look native. A local (`link:`/`file:`)
 * plugin is hashed from the commit; a lockfile that cannot be read, or a package.json range
 * nothing pins, leaves the plugin "may have changed".
 */
export async function pluginsAtRef(git: GitPort, ref: string, prefix: string, known: Set<string>, preferred?: string): Promise<PluginSide> {
  const read = readAtRef(git, ref, prefix)
  const manifest = manifestOf(await read('package.json'))
  const direct = directDependencies(manifest)
  const native = [...direct.keys()].filter((name) => known.has(name) || looksNative(name))
  const lockfile = await chooseLockfile(read, prefix, { preferred })
  const { locked, error } = readLocked(lockfile, direct)
  const notes = [lockfileNote(`the baseline ${ref.slice(0, 12)}`, lockfile, error)]
  if (lockfile && !locked) return { plugins: [], unknown: { lockfile: lockfile.path }, lockfile, notes }
  const plugins: NativeSource[] = []
  const specs: Record<string, string> = {}
  for (const name of native) {
    const spec = direct.get(name)!
    const entry = locked?.get(name)
    if (entry?.local) {
      const tree = await gitTree(git, ref, `${normalize(`${prefix}${lockfile!.up}${entry.local}`)}/`)
      plugins.push(pluginSource(name, entry.version, tree ? await nativeHash(tree) : '', entry.identity))
    } else if (entry) plugins.push(pluginSource(name, entry.version, '', entry.identity))
    else if (!locked && semver.valid(spec)) plugins.push(pluginSource(name, spec))
    else specs[name] = spec
  }
  return { plugins, unknown: { specs }, lockfile, notes }
}
