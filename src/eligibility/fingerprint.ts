import { CAPACITOR_CONFIGS } from '../project.js'
import type { NativeSource } from '../registry/types.js'
import { canonicalJson, capacitorConfigValue, type ConfigValue } from './config.js'
import { nativePatches } from './patches.js'
import { looksNative } from './plugins.js'
import { sha256 } from '../sha256.js'
import type { SourceTree } from './tree.js'

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

function isCopiedPath(path: string): boolean {
  return COPIED_PATHS.some((copied) => (copied.endsWith('/') ? path.startsWith(copied) : path === copied)) || path.endsWith('.DS_Store')
}

/** The app's native config files by their value (a capacitor.config by what it says, not how it is written). */
export type ConfigValues = Map<string, ConfigValue>

export interface ProjectSources {
  sources: NativeSource[]
  configs: ConfigValues
  notes: string[]
}

/** Native project files, the app's native config and patches of native packages, as labelled sources. */
export async function projectSources(tree: SourceTree, nativePackages: Set<string>): Promise<ProjectSources> {
  const files = [...(await tree.list('ios')), ...(await tree.list('android'))].filter((path) => !isCopiedPath(path))
  const hashes = await tree.hashes([...files, 'config.xml'])
  const sources: NativeSource[] = files.map((path) => ({ label: path, kind: 'file', hash: hashes.get(path) ?? '' }))
  const configs: ConfigValues = new Map()
  const notes: string[] = []
  for (const file of CAPACITOR_CONFIGS) {
    const text = (await tree.read(file))?.toString('utf8')
    if (text === undefined) continue
    const read = capacitorConfigValue(file, text)
    if ('value' in read) configs.set(file, read.value)
    else notes.push(`${file} could not be read as data (${read.error}), so it was compared as text`)
    sources.push({ label: file, kind: 'config', hash: sha256('value' in read ? canonicalJson(read.value) : text) })
  }
  const cordovaConfig = hashes.get('config.xml')
  if (cordovaConfig) sources.push({ label: 'config.xml', kind: 'config', hash: cordovaConfig })
  sources.push(...(await nativePatches(tree, (name) => nativePackages.has(name) || looksNative(name))))
  return { sources, configs, notes }
}

/** sha256 over the sorted, labelled sources: equal only when every native source is. */
export function fingerprintOf(sources: NativeSource[]): string {
  const lines = sources.map((s) => `${s.kind}:${s.label}@${s.version ?? ''}:${s.hash}`).sort()
  return sha256(lines.join('\n'))
}
