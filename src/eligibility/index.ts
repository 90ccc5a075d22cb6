import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { UserError } from '../errors.js'
import type { NativeSource } from '../registry/types.js'
import { fingerprintOf, projectSources } from './fingerprint.js'
import { detectFramework } from './framework.js'
import { gitAt, type GitPort } from './git.js'
import { installedNativePlugins, lockfileVersions, looksNative } from './plugins.js'
import { scanBundle } from './scan.js'
import { gitTree, workTree, type SourceTree } from './tree.js'
import { compareSources } from './verdict.js'

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

async function lockfilePlugins(tree: SourceTree, known: Set<string>): Promise<NativeSource[]> {
  for (const file of LOCKFILES) {
    const text = (await tree.read(file))?.toString('utf8')
    if (!text) continue
    const versions = lockfileVersions(file, text)
    return [...versions]
      .filter(([name]) => known.has(name) || looksNative(name))
      .map(([name, version]) => ({ label: `plugin:${name}`, kind: 'plugin' as const, version, hash: '' }))
  }
  return []
}

async function currentSources(projectDir: string): Promise<{ sources: NativeSource[]; notes: string[] }> {
  const tree = workTree(projectDir)
  const installed = existsSync(join(projectDir, 'node_modules'))
  const plugins = installed ? await installedNativePlugins(projectDir) : await lockfilePlugins(tree, new Set())
  const names = new Set(plugins.map((p) => p.label.slice('plugin:'.length)))
  const notes = installed ? [] : ['node_modules is not installed: native plugin versions were read from the lockfile (install dependencies before this step to hash their native sources)']
  return { sources: [...plugins, ...(await projectSources(tree, names))], notes }
}

async function sourcesAtRef(git: GitPort, ref: string, projectDir: string, known: Set<string>): Promise<NativeSource[] | undefined> {
  const prefix = ((await git.run(['rev-parse', '--show-prefix'])) ?? '').trim()
  const tree = await gitTree(git, ref, prefix)
  if (!tree) return undefined
  const plugins = await lockfilePlugins(tree, known)
  return [...plugins, ...(await projectSources(tree, known))]
}

type Baseline = { kind: BaselineKind; description: string; sources?: NativeSource[]; note?: string }

async function chooseBaseline(input: EligibilityInput, git: GitPort, known: Set<string>): Promise<Baseline> {
  if (input.nativeBaseline) {
    const sources = await sourcesAtRef(git, input.nativeBaseline, input.projectDir, known)
    if (!sources) {
      throw new UserError(`The native-baseline input "${input.nativeBaseline}" is not a commit, tag or branch of this clone: give an existing ref, and check out with fetch-depth: 0.`)
    }
    return { kind: 'input', description: `native-baseline ${input.nativeBaseline}`, sources }
  }
  let note: string | undefined
  if (input.pullRequestBase) {
    const sources = await sourcesAtRef(git, input.pullRequestBase, input.projectDir, known)
    if (sources) return { kind: 'pull-request-base', description: `the pull request's base ${input.pullRequestBase.slice(0, 7)}`, sources }
    note = `the pull request's base ${input.pullRequestBase.slice(0, 7)} is not in this clone (check out with fetch-depth: 0), so another baseline was used`
  }
  const channel = await input.channelBaseline?.()
  if (channel?.sources) return { kind: 'channel', description: `the channel's current bundle ${channel.version}`, sources: channel.sources, note }
  const tag = (await git.run(['describe', '--tags', '--abbrev=0', 'HEAD^']))?.trim()
  if (tag) {
    const sources = await sourcesAtRef(git, tag, input.projectDir, known)
    if (sources) return { kind: 'tag', description: `the previous tag ${tag}`, sources, note }
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
  const known = new Set(current.sources.filter((s) => s.kind === 'plugin').map((s) => s.label.slice('plugin:'.length)))
  const baseline = await chooseBaseline(input, input.git ?? gitAt(input.projectDir), known)
  const comparison = baseline.sources ? compareSources(current.sources, baseline.sources) : { reasons: [], notes: ['first publish: the native fingerprint was recorded, and later runs compare against it'] }
  const scan = await scanBundle(input.webDir)
  const reasons = [...comparison.reasons, ...scan]
  const notes = [...current.notes, ...comparison.notes, ...(baseline.note ? [baseline.note] : [])]
  return { ...base, eligible: reasons.length === 0, reasons, notes, baseline: { kind: baseline.kind, description: baseline.description } }
}

