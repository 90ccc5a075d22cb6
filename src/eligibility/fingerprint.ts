import { CAPACITOR_CONFIGS } from '../project.js'
import type { NativeSource } from '../registry/types.js'
import { nativePatches } from './patches.js'
import { looksNative } from './plugins.js'
import { sha256, type SourceTree } from './tree.js'

/** What `cap sync` copies into the native projects: the web build and its config, not sources. */
const COPIED_PATHS = [
  'ios/App/App/public/',
  'android/app/src/main/assets/public/',
  'ios/App/App/capacitor.config.json',
  'ios/App/App/config.xml',
  'android/app/src/main/assets/capacitor.config.json',
  'android/app/src/main/assets/capacitor.plugins.json',
  'android/app/src/main/res/xml/config.xml',
  'android/local.properties',
  'android/capacitor-cordova-android-plugins/'
]

export function isCopiedPath(path: string): boolean {
  return COPIED_PATHS.some((copied) => (copied.endsWith('/') ? path.startsWith(copied) : path === copied)) || path.endsWith('.DS_Store')
}

/** Native project files, the app's native config and patches of native packages, as labelled sources. */
export async function projectSources(tree: SourceTree, nativePackages: Set<string>): Promise<NativeSource[]> {
  const files = [...(await tree.list('ios')), ...(await tree.list('android'))].filter((path) => !isCopiedPath(path))
  const configs = [...CAPACITOR_CONFIGS, 'config.xml']
  const hashes = await tree.hashes([...files, ...configs])
  const sources: NativeSource[] = files.map((path) => ({ label: path, kind: 'file', hash: hashes.get(path) ?? '' }))
  for (const config of configs) {
    const hash = hashes.get(config)
    if (hash) sources.push({ label: config, kind: 'config', hash })
  }
  sources.push(...(await nativePatches(tree, (name) => nativePackages.has(name) || looksNative(name))))
  return sources
}

/** sha256 over the sorted, labelled sources: equal only when every native source is. */
export function fingerprintOf(sources: NativeSource[]): string {
  const lines = sources.map((s) => `${s.kind}:${s.label}@${s.version ?? ''}:${s.hash}`).sort()
  return sha256(lines.join('\n'))
}
