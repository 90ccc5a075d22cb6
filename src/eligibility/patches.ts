import { load } from 'js-yaml'
import type { NativeSource } from '../registry/types.js'
import type { SourceTree } from './tree.js'

/** Files a patch may touch without touching native code. */
const WEB_FILE = /\.(js|mjs|cjs|jsx|ts|mts|cts|tsx|map|css|scss|html|md|json)$/

/** Folders that hold patches by convention: patch-package's and pnpm's patches/, yarn's .yarn/patches/. */
const PATCH_FOLDERS = ['patches', '.yarn/patches']

/** `name@1.0.0` or `name` (a patchedDependencies key) as the package name. */
const nameOfKey = (key: string): string => key.replace(/(.)@[^@/]*$/, '$1')

function parseJson(text: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(text ?? '{}')
  } catch {
    return {}
  }
}

function parseYaml(text: string | undefined): Record<string, unknown> {
  try {
    return (load(text ?? '') as Record<string, unknown>) ?? {}
  } catch {
    return {}
  }
}

/**
 * Which package each patch file patches, as the app declares it: pnpm's and bun's
 * `patchedDependencies` (package.json or pnpm-workspace.yaml) and yarn's `patch:` protocol.
 */
async function declaredPatches(tree: SourceTree): Promise<Map<string, string>> {
  const manifest = parseJson((await tree.read('package.json'))?.toString('utf8'))
  const workspace = parseYaml((await tree.read('pnpm-workspace.yaml'))?.toString('utf8'))
  const pnpm = (manifest.pnpm ?? {}) as Record<string, unknown>
  const byPath = new Map<string, string>()
  for (const declared of [pnpm.patchedDependencies, manifest.patchedDependencies, workspace.patchedDependencies]) {
    if (!declared || typeof declared !== 'object') continue
    for (const [key, path] of Object.entries(declared)) if (typeof path === 'string') byPath.set(path.replace(/^\.\//, ''), nameOfKey(key))
  }
  for (const group of ['dependencies', 'devDependencies', 'resolutions']) {
    for (const spec of Object.values((manifest[group] ?? {}) as Record<string, string>)) {
      const patch = /^patch:(@?[^@]+)@.*#(?:~\/|\.\/)?([^:]+\.patch)/.exec(String(spec))
      if (patch) byPath.set(patch[2], decodeURIComponent(patch[1]))
    }
  }
  return byPath
}

/** The files a unified diff touches, with patch-package's `node_modules/<name>/` taken off. */
function touchedFiles(text: string): { packages: Set<string>; files: string[] } {
  const packages = new Set<string>()
  const files: string[] = []
  for (const match of text.matchAll(/^(?:\+\+\+|---) [ab]\/(\S+)/gm)) {
    const inNodeModules = /^node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(match[1])
    if (inNodeModules) packages.add(inNodeModules[1])
    files.push(inNodeModules ? inNodeModules[2] : match[1])
  }
  return { packages, files }
}

/** A package name from pnpm's file naming (`@capacitor__android@6.1.2.patch`) or patch-package's (`@capacitor+android+6.1.2.patch`). */
function nameFromFileName(path: string): string {
  const base = path.split('/').pop()!.replace(/\.patch$/, '')
  if (base.includes('+')) {
    const parts = base.split('+')
    return base.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
  }
  const name = base.replace('__', '/')
  const at = name.indexOf('@', 1)
  return at === -1 ? name : name.slice(0, at)
}

/**
 * Patches are sources of the package they patch: one that edits a native package's
 * files other than its JavaScript is a native source, named by its file.
 */
export async function nativePatches(tree: SourceTree, isNative: (name: string) => boolean): Promise<NativeSource[]> {
  const declared = await declaredPatches(tree)
  const listed = (await Promise.all(PATCH_FOLDERS.map((folder) => tree.list(folder)))).flat().filter((path) => path.endsWith('.patch'))
  const paths = [...new Set([...listed, ...declared.keys()])].sort()
  const hashes = await tree.hashes(paths)
  const sources: NativeSource[] = []
  for (const path of paths) {
    const hash = hashes.get(path)
    if (!hash) continue
    const { packages, files } = touchedFiles((await tree.read(path))?.toString('utf8') ?? '')
    const named = declared.get(path) ?? nameFromFileName(path)
    const patched = packages.size > 0 ? [...packages] : [named]
    if (patched.some(isNative) && files.some((file) => !WEB_FILE.test(file))) sources.push({ label: path, kind: 'patch', hash, patches: patched.join(', ') })
  }
  return sources
}
