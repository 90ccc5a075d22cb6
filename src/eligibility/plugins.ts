import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mapBounded } from '../concurrency.js'
import type { NativeSource } from '../registry/types.js'
import { sha256, workTree } from './tree.js'

/** Files that mark a package as shipping native code. */
const NATIVE_MARKERS = ['ios', 'android', 'Package.swift', 'plugin.xml']
/** Where a plugin's native sources live (Cordova keeps them under src/). */
const NATIVE_FOLDERS = ['ios', 'android', 'src/ios', 'src/android']

/** Names that are native plugins by convention, for a baseline read from a lockfile alone. */
export function looksNative(name: string): boolean {
  return /^(@capacitor\/(android|ios|[a-z-]+)|@capacitor-community\/|@capawesome\/|@capgo\/capacitor-|@ionic-native\/|cordova-plugin-|cordova-(android|ios)$|capacitor-)/.test(name) &&
    !['@capacitor/core', '@capacitor/cli', '@capacitor/assets'].includes(name)
}

async function packageDirs(nodeModules: string): Promise<string[]> {
  const dirs: string[] = []
  const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    if (entry.name.startsWith('@')) {
      const scoped = await readdir(join(nodeModules, entry.name), { withFileTypes: true }).catch(() => [])
      for (const inner of scoped) if (inner.isDirectory() || inner.isSymbolicLink()) dirs.push(join(nodeModules, entry.name, inner.name))
    } else if (entry.isDirectory() || entry.isSymbolicLink()) dirs.push(join(nodeModules, entry.name))
  }
  return dirs
}

/** A dependency's native source as the verdict names it: `plugin:<name>`. */
export const pluginSource = (name: string, version: string, hash = ''): NativeSource => ({ label: `plugin:${name}`, kind: 'plugin', version, hash })

export const pluginName = (source: NativeSource): string => source.label.replace(/^plugin:/, '')

function isNativePackage(packageJson: Record<string, unknown>, names: string[]): boolean {
  return Boolean(packageJson.capacitor) || names.some((name) => NATIVE_MARKERS.includes(name) || name.endsWith('.podspec'))
}

/** A hash of a plugin's native sources, so a patched or locally linked plugin counts. */
async function nativeHash(dir: string, names: string[]): Promise<string> {
  const tree = workTree(dir)
  const files = names.filter((n) => n.endsWith('.podspec') || n === 'Package.swift' || n === 'plugin.xml')
  // list() of a folder the package lacks is empty.
  for (const folder of NATIVE_FOLDERS) files.push(...(await tree.list(folder)))
  const hashes = await tree.hashes(files)
  return sha256(files.sort().map((f) => `${f}:${hashes.get(f)}`).join('\n'))
}

/** A dependency's native source, or undefined when it ships none (or is not a package). */
async function nativePlugin(dir: string): Promise<NativeSource | undefined> {
  let packageJson: Record<string, unknown>
  try {
    packageJson = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
  } catch {
    return undefined
  }
  const names = await readdir(dir).catch(() => [] as string[])
  if (!isNativePackage(packageJson, names)) return undefined
  return pluginSource(String(packageJson.name), String(packageJson.version ?? ''), await nativeHash(dir, names))
}

/** Packages read at once: enough to keep the thread pool busy, few enough to stay far from the open-files limit. */
const PACKAGES_AT_ONCE = 64

/** Every installed dependency that ships native code, as `plugin:<name>` with its version and native hash. */
export async function installedNativePlugins(projectDir: string): Promise<NativeSource[]> {
  const dirs = await packageDirs(join(projectDir, 'node_modules'))
  const found = await mapBounded(dirs, PACKAGES_AT_ONCE, nativePlugin)
  return found.filter((source): source is NativeSource => Boolean(source)).sort((a, b) => (a.label < b.label ? -1 : 1))
}

/** Installed versions from a lockfile's text (package-lock.json, pnpm-lock.yaml, yarn.lock, bun.lock). */
export function lockfileVersions(file: string, text: string): Map<string, string> {
  const versions = new Map<string, string>()
  if (file === 'package-lock.json') {
    const lock = JSON.parse(text)
    for (const [path, entry] of Object.entries<{ version?: string }>(lock.packages ?? {})) {
      const name = path.split('node_modules/').pop()
      if (path.startsWith('node_modules/') && name && !name.includes('/node_modules') && entry.version && path.lastIndexOf('node_modules/') === 0) versions.set(name, entry.version)
    }
  } else if (file === 'pnpm-lock.yaml') {
    // pnpm 9 writes `name@1.0.0`, pnpm 8 `/name@1.0.0(peer@2)`, pnpm 7 `/name/1.0.0_peer@2`.
    for (const match of text.matchAll(/^ {2}'?\/?(@?[^@\s'/]+(?:\/[^@\s'/]+)?)[@/]([0-9][^:'(_\s]*)/gm)) versions.set(match[1], match[2])
  } else if (file === 'yarn.lock') {
    for (const match of text.matchAll(/^"?(@?[^@\s"]+)@[^\n]*\n\s+version:? "?([^"\n]+)"?/gm)) versions.set(match[1], match[2])
  } else if (file === 'bun.lock') {
    for (const match of text.matchAll(/"(@?[^"@]+)": \["\1@([^"]+)"/g)) versions.set(match[1], match[2])
  }
  return versions
}
