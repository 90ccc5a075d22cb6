import { existsSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { UserError } from '../errors.js'
import type { NativeSource } from '../registry/types.js'
import { fingerprintOf, projectSources } from './fingerprint.js'
import { detectFramework } from './framework.js'
import { gitAt, type GitPort } from './git.js'
import { installedNativePlugins, lockfileVersions, looksNative, pluginName, pluginSource } from './plugins.js'
import { scanBundle } from './scan.js'
import { gitTree, workTree, type SourceTree } from './tree.js'
import { compareSources, type UnknownPlugins } from './verdict.js'

export interface Reason {
  /** Plain words a mobile developer understands. */
  message: string
  /** The file it is about, relative to the working directory, for an annotation. */
  file?: string
}

export type BaselineKind = 'input' | 'pull-request-base' | 'channel' | 'tag' | 'none'

export interface Verdict {
  eligible: boolean
  reasons: Reason[]
  /** Observations that do not block (a removed plugin, a first publish). */
  notes: string[]
  fingerprint: string
  nativeSources: NativeSource[]
  framework: string
  baseline: { kind: BaselineKind; description: string }
}

/** What the channel's devices run now, from its pointer and manifest. */
export interface ChannelBaseline {
  version: string
  sources?: NativeSource[]
}

export interface EligibilityInput {
  projectDir: string
  webDir: string
  nativeBaseline?: string
  pullRequestBase?: string
  channelBaseline?: () => Promise<ChannelBaseline | undefined>
  git?: GitPort
}

const LOCKFILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock']

type BaselinePlugins = { plugins: NativeSource[]; unknown: UnknownPlugins }

/** The native plugins a lockfile names (none, and why, for a file in an unknown format); undefined without a lockfile. */
async function lockfilePlugins(tree: SourceTree, known: Set<string>): Promise<BaselinePlugins | undefined> {
  for (const file of LOCKFILES) {
    const text = (await tree.read(file))?.toString('utf8')
    if (!text) continue
    const versions = lockfileVersions(file, text)
    if (versions.size === 0) return { plugins: [], unknown: { lockfile: file } }
    const plugins = [...versions]
      .filter(([name]) => known.has(name) || looksNative(name))
      .map(([name, version]) => pluginSource(name, version))
    return { plugins, unknown: {} }
  }
  return undefined
}

/** Without a lockfile, package.json pins a plugin only when it names an exact version. */
async function manifestPlugins(tree: SourceTree, known: Set<string>): Promise<BaselinePlugins> {
  const plugins: NativeSource[] = []
  const specs: Record<string, string> = {}
  let manifest: { dependencies?: Record<string, string> } = {}
  try {
    manifest = JSON.parse((await tree.read('package.json'))?.toString('utf8') ?? '{}')
  } catch {
    // An unparsable package.json names no plugins; the current side still lists its own.
  }
  for (const [name, spec] of Object.entries(manifest.dependencies ?? {})) {
    if (!known.has(name) && !looksNative(name)) continue
    if (semver.valid(spec)) plugins.push(pluginSource(name, spec))
    else specs[name] = spec
  }
  return { plugins, unknown: { specs } }
}

async function currentSources(projectDir: string): Promise<{ sources: NativeSource[]; notes: string[] }> {
  const tree = workTree(projectDir)
  const installed = existsSync(join(projectDir, 'node_modules'))
  const plugins = installed ? await installedNativePlugins(projectDir) : ((await lockfilePlugins(tree, new Set()))?.plugins ?? [])
  const names = new Set(plugins.map(pluginName))
  const notes = installed ? [] : ['node_modules is not installed: native plugin versions were read from the lockfile (install dependencies before this step to hash their native sources)']
  return { sources: [...plugins, ...(await projectSources(tree, names))], notes }
}

type RefSources = { sources: NativeSource[]; unknown: UnknownPlugins }

async function sourcesAtRef(git: GitPort, ref: string, projectDir: string, known: Set<string>): Promise<RefSources | undefined> {
  const prefix = ((await git.run(['rev-parse', '--show-prefix'])) ?? '').trim()
  const tree = await gitTree(git, ref, prefix)
  if (!tree) return undefined
  const { plugins, unknown } = (await lockfilePlugins(tree, known)) ?? (await manifestPlugins(tree, known))
  return { sources: [...plugins, ...(await projectSources(tree, known))], unknown }
}

type Baseline = { kind: BaselineKind; description: string; sources?: NativeSource[]; unknown?: UnknownPlugins; note?: string }

async function chooseBaseline(input: EligibilityInput, git: GitPort, known: Set<string>): Promise<Baseline> {
  if (input.nativeBaseline) {
    const atRef = await sourcesAtRef(git, input.nativeBaseline, input.projectDir, known)
    if (!atRef) {
      throw new UserError(`The native-baseline input "${input.nativeBaseline}" is not a commit, tag or branch of this clone: give an existing ref, and check out with fetch-depth: 0.`)
    }
    return { kind: 'input', description: `native-baseline ${input.nativeBaseline}`, ...atRef }
  }
  let note: string | undefined
  if (input.pullRequestBase) {
    const atRef = await sourcesAtRef(git, input.pullRequestBase, input.projectDir, known)
    if (atRef) return { kind: 'pull-request-base', description: `the pull request's base ${input.pullRequestBase.slice(0, 7)}`, ...atRef }
    note = `the pull request's base ${input.pullRequestBase.slice(0, 7)} is not in this clone (check out with fetch-depth: 0), so another baseline was used`
  }
  const channel = await input.channelBaseline?.()
  if (channel?.sources) return { kind: 'channel', description: `the channel's current bundle ${channel.version}`, sources: channel.sources, note }
  const tag = (await git.run(['describe', '--tags', '--abbrev=0', 'HEAD^']))?.trim()
  if (tag) {
    const atRef = await sourcesAtRef(git, tag, input.projectDir, known)
    if (atRef) return { kind: 'tag', description: `the previous tag ${tag}`, ...atRef, note }
  }
  return { kind: 'none', description: 'none (first publish)', note }
}

/** Can this change reach users as a live update, or does it need a store release? */
export async function checkEligibility(input: EligibilityInput): Promise<Verdict> {
  const framework = await detectFramework(workTree(input.projectDir))
  const current = await currentSources(input.projectDir)
  const fingerprint = fingerprintOf(current.sources)
  const base = { fingerprint, nativeSources: current.sources, framework: framework.name }
  if (!framework.supported) {
    return { ...base, eligible: false, reasons: [{ message: framework.reason, file: framework.file }], notes: [], baseline: { kind: 'none', description: 'not compared' } }
  }
  const known = new Set(current.sources.filter((s) => s.kind === 'plugin').map(pluginName))
  const baseline = await chooseBaseline(input, input.git ?? gitAt(input.projectDir), known)
  const comparison = baseline.sources ? compareSources(current.sources, baseline.sources, baseline.unknown) : { reasons: [], notes: ['first publish: the native fingerprint was recorded, and later runs compare against it'] }
  const scan = await scanBundle(input.webDir)
  const reasons = [...comparison.reasons, ...scan]
  const notes = [...current.notes, ...comparison.notes, ...(baseline.note ? [baseline.note] : [])]
  return { ...base, eligible: reasons.length === 0, reasons, notes, baseline: { kind: baseline.kind, description: baseline.description } }
}

