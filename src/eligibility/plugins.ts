import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mapBounded } from '../concurrency.js'
import type { NativeSource } from '../registry/types.js'
import type { DirectDependencies, LockedDependencies } from './lockfiles/types.js'
import { sha256 } from '../sha256.js'
import { workTree, type SourceTree } from './tree.js'

/** The platforms' own runtimes: native whatever their folder layout (@capacitor/android keeps its code under capacitor/). */
const PLATFORM_RUNTIMES = new Set(['@capacitor/android', '@capacitor/ios', 'cordova-android', 'cordova-ios'])

/** Files that are native code or native build configuration, wherever a package keeps them. */
const NATIVE_FILE = /(\.(java|kt|kts|swift|m|mm|c|cc|cpp|cxx|h|hpp|gradle|podspec|xcconfig|pbxproj)|(^|\/)(AndroidManifest\.xml|Package\.swift|plugin\.xml|Podfile|gradle\.properties))$/

const isNativeFile = (path: string): boolean => NATIVE_FILE.test(path)

/** Names that are native plugins by convention, for a side read from a lockfile alone. */
export function looksNative(name: string): boolean {
  return PLATFORM_RUNTIMES.has(name) ||
    (/^(@capacitor\/|@capacitor-community\/|@capawesome\/|@capawesome-team\/|@capgo\/capacitor-|@ionic-enterprise\/|@awesome-cordova-plugins\/|cordova-plugin-|capacitor-|.*-capacitor-plugin$|.*capacitor-plugin-)/.test(name) &&
      !['@capacitor/core', '@capacitor/cli', '@capacitor/assets', '@capacitor/docgen', '@capacitor/synapse'].includes(name))
}

/** A dependency's native source as the verdict names it: `plugin:<name>`, by the name the app depends on. */
export const pluginSource = (name: string, version: string, hash = '', identity?: string): NativeSource =>
  ({ label: `plugin:${name}`, kind: 'plugin', version, hash, ...(identity ? { identity } : {}) })

export const pluginName = (source: NativeSource): string => source.label.replace(/^plugin:/, '')

/** dependencies, devDependencies and optionalDependencies: what Capacitor's sync and Cordova look at. */
export function directDependencies(manifest: Record<string, unknown>): DirectDependencies {
  const direct: DirectDependencies = new Map()
  for (const group of ['optionalDependencies', 'devDependencies', 'dependencies']) {
    const deps = manifest[group]
    if (deps && typeof deps === 'object') for (const [name, spec] of Object.entries(deps)) direct.set(name, String(spec))
  }
  return direct
}

/**
 * A hash of a package's native files, so a patched, forked or locally linked plugin counts.
 * Its `files:` scheme tells it from the hashes earlier versions recorded in channel
 * manifests (over other files), which it is never compared with.
 */
export async function nativeHash(tree: SourceTree, files?: string[]): Promise<string> {
  const native = (files ?? (await tree.list(''))).filter(isNativeFile).sort()
  const hashes = await tree.hashes(native)
  return `files:${sha256(native.map((f) => `${f}:${hashes.get(f)}`).join('\n'))}`
}

/**
 * Whether a package ships native code: a platform runtime, a Capacitor or Cordova plugin by its
 * package.json, or any native file anywhere in it. A Node addon (binding.gyp) builds for Node, not the app.
 */
function shipsNativeCode(name: string, packageJson: Record<string, unknown>, files: string[]): boolean {
  if (PLATFORM_RUNTIMES.has(name) || packageJson.capacitor || packageJson.cordova) return true
  if (files.includes('binding.gyp')) return false
  return files.some(isNativeFile)
}

/** An installed dependency's native source (from the nearest node_modules that holds it), or undefined when it ships none. */
async function installedPlugin(nodeModules: string[], name: string, locked?: LockedDependencies): Promise<NativeSource | undefined> {
  let packageJson: Record<string, unknown> | undefined
  let dir = ''
  for (const folder of nodeModules) {
    dir = join(folder, name)
    packageJson = await readFile(join(dir, 'package.json'), 'utf8').then(JSON.parse).catch(() => undefined)
    if (packageJson) break
  }
  if (!packageJson) return undefined
  const tree = workTree(dir)
  const files = await tree.list('')
  if (!shipsNativeCode(name, packageJson, files)) return undefined
  const realName = String(packageJson.name ?? name)
  const version = String(packageJson.version ?? '')
  return pluginSource(name, realName === name ? version : `${realName}@${version}`, await nativeHash(tree, files), locked?.get(name)?.identity)
}

/** Packages read at once: enough to keep the thread pool busy, few enough to stay far from the open-files limit. */
const PACKAGES_AT_ONCE = 32

/** Every installed direct dependency that ships native code, found in the nearest node_modules that holds it. */
export async function installedNativePlugins(nodeModules: string[], direct: DirectDependencies, locked?: LockedDependencies): Promise<NativeSource[]> {
  const found = await mapBounded([...direct.keys()], PACKAGES_AT_ONCE, (name) => installedPlugin(nodeModules, name, locked))
  return found.filter((source): source is NativeSource => Boolean(source)).sort((a, b) => (a.label < b.label ? -1 : 1))
}
