import type { NativeVersion, NativeVersions, Platform } from '../registry/releases.js'
import type { SourceTree } from './tree.js'

/*
 * The native app versions of the store builds the native projects make, recorded with each
 * bundle so the update endpoint answers a device only with bundles made for its build
 * (docs/architecture.md, Native builds and rollouts). Gradle scripts are programs and
 * project.pbxproj is an old-style plist with no maintained reader small enough for dist/;
 * only literal assignments are read, and anything else is said in a note, never guessed.
 */

export interface NativeVersionsRead {
  native: NativeVersions
  /** Platforms whose native project exists but whose version is not a literal the action can read. */
  unread: { platform: Platform; file: string; why: string }[]
}

const GRADLE_FILES = ['android/app/build.gradle', 'android/app/build.gradle.kts']
const PBXPROJ = 'ios/App/App.xcodeproj/project.pbxproj'
const INFO_PLIST = 'ios/App/App/Info.plist'

/** Comments out of a Gradle (Groovy or Kotlin) script, so a commented-out versionName is not read. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"'])\/\/.*$/gm, '$1')
}

/** The defaultConfig block's text: flavors may set other versions, devices of the default build report these. */
function defaultConfigBlock(source: string): string | undefined {
  const start = /\bdefaultConfig\s*\{/.exec(source)
  if (!start) return undefined
  let depth = 0
  for (let i = start.index + start[0].length - 1; i < source.length; i++) {
    if (source[i] === '{') depth++
    else if (source[i] === '}' && --depth === 0) return source.slice(start.index, i + 1)
  }
  return undefined
}

function readGradle(source: string): NativeVersion | string {
  const block = defaultConfigBlock(withoutComments(source))
  if (!block) return 'it has no defaultConfig block'
  const name = /\bversionName\s*=?\s*(["'])([^"'\n]+)\1/.exec(block)?.[2]
  if (!name) return 'its versionName is not a quoted literal in defaultConfig'
  const code = /\bversionCode\s*=?\s*(\d+)\b/.exec(block)?.[1]
  return { name, ...(code ? { code } : {}) }
}

/** One build setting of project.pbxproj; several configurations must agree, or the version is not told. */
function pbxSetting(source: string, name: string): string | 'ambiguous' | undefined {
  const values = new Set([...source.matchAll(new RegExp(`\\b${name}\\s*=\\s*("?)([^";\\n]+)\\1\\s*;`, 'g'))].map((m) => m[2].trim()))
  if (values.size > 1) return 'ambiguous'
  return [...values][0]
}

function plistString(source: string, key: string): string | undefined {
  return new RegExp(`<key>${key}</key>\\s*<string>([^<]*)</string>`).exec(source)?.[1].trim()
}

/** A plist value that names a build setting, `$(MARKETING_VERSION)`, is resolved from project.pbxproj. */
function readIos(pbxproj: string | undefined, plist: string | undefined): NativeVersion | string {
  const resolve = (key: string, setting: string): string | undefined => {
    const literal = plist && plistString(plist, key)
    if (literal && !literal.includes('$(')) return literal
    const value = pbxproj && pbxSetting(pbxproj, setting)
    return value === 'ambiguous' ? undefined : value
  }
  const name = resolve('CFBundleShortVersionString', 'MARKETING_VERSION')
  if (!name) return 'MARKETING_VERSION is missing, not a literal, or differs between build configurations'
  const code = resolve('CFBundleVersion', 'CURRENT_PROJECT_VERSION')
  return { name, ...(code ? { code } : {}) }
}

const text = async (tree: SourceTree, path: string) => (await tree.read(path))?.toString('utf8')

/** The native versions of the project's android/ and ios/ folders, where they have one. */
export async function readNativeVersions(tree: SourceTree): Promise<NativeVersionsRead> {
  const result: NativeVersionsRead = { native: {}, unread: [] }
  for (const file of GRADLE_FILES) {
    const source = await text(tree, file)
    if (source === undefined) continue
    const read = readGradle(source)
    if (typeof read === 'string') result.unread.push({ platform: 'android', file, why: read })
    else result.native.android = read
    break
  }
  const pbxproj = await text(tree, PBXPROJ)
  if (pbxproj !== undefined) {
    const read = readIos(pbxproj, await text(tree, INFO_PLIST))
    if (typeof read === 'string') result.unread.push({ platform: 'ios', file: PBXPROJ, why: read })
    else result.native.ios = read
  }
  return result
}
