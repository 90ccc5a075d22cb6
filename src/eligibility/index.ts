import { UserError } from '../errors.js'
import type { NativeVersions } from '../registry/releases.js'
import type { NativeSource } from '../registry/types.js'
import { changedKeys } from './config.js'
import { fingerprintOf, projectSources, type ConfigValues } from './fingerprint.js'
import { detectFramework } from './framework.js'
import { gitAt, type GitPort } from './git.js'
import { readNativeVersions, type NativeVersionsRead } from './native-versions.js'
import { pluginName } from './plugins.js'
import { currentPlugins, pluginsAtRef } from './sides.js'
import { scanBundle } from './scan.js'
import { gitTree, workTree } from './tree.js'
import { compareSources, type UnknownPlugins } from './verdict.js'

interface Reason {
  /** Plain words a mobile developer understands. */
  message: string
  /** The file it is about, relative to the working directory, for an annotation. */
  file?: string
}

type BaselineKind = 'input' | 'pull-request-base' | 'channel' | 'tag' | 'none'

export interface Verdict {
  eligible: boolean
  reasons: Reason[]
  /** Observations that do not block (a removed plugin, a first publish). */
  notes: string[]
  fingerprint: string
  nativeSources: NativeSource[]
  /** The native app versions the native projects build, recorded with the bundle for the update endpoint. */
  native?: NativeVersions
  /** Native projects whose version could not be read (then devices of that platform cannot be told apart). */
  unreadNativeVersions?: NativeVersionsRead['unread']
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
  /** Packages the team declares JavaScript-only (the js-only-packages input): left out on both sides. */
  jsOnlyPackages?: string[]
  pullRequestBase?: string
  channelBaseline?: () => Promise<ChannelBaseline | undefined>
  git?: GitPort
}

type RefSources = { sources: NativeSource[]; configs: ConfigValues; unknown: UnknownPlugins; notes: string[] }

async function sourcesAtRef(git: GitPort, ref: string, prefix: string, known: Set<string>, preferred?: string): Promise<RefSources | undefined> {
  const tree = await gitTree(git, ref, prefix)
  if (!tree) return undefined
  const side = await pluginsAtRef(git, ref, prefix, known, preferred)
  const project = await projectSources(tree, known)
  return { sources: [...side.plugins, ...project.sources], configs: project.configs, unknown: side.unknown, notes: [...side.notes, ...project.notes] }
}

type Baseline = { kind: BaselineKind; description: string; sources?: NativeSource[]; configs?: ConfigValues; unknown?: UnknownPlugins; notes?: string[]; note?: string }

/** `inRepository`: git rev-parse answered; outside a repository every git read fails. */
type Head = { prefix: string; inRepository: boolean; known: Set<string>; lockfile?: string }

async function chooseBaseline(input: EligibilityInput, git: GitPort, head: Head): Promise<Baseline> {
  const atRef = (ref: string) => sourcesAtRef(git, ref, head.prefix, head.known, head.lockfile)
  if (input.nativeBaseline) {
    const found = await atRef(input.nativeBaseline)
    if (!found) {
      throw new UserError(`The native-baseline input "${input.nativeBaseline}" is not a commit, tag or branch of this clone: give an existing ref, and check out with fetch-depth: 0.`)
    }
    return { kind: 'input', description: `native-baseline ${input.nativeBaseline}`, ...found }
  }
  let note: string | undefined
  if (input.pullRequestBase) {
    const found = await atRef(input.pullRequestBase)
    if (found) return { kind: 'pull-request-base', description: `the pull request's base ${input.pullRequestBase.slice(0, 7)}`, ...found }
    note = `the pull request's base ${input.pullRequestBase.slice(0, 7)} is not in this clone (check out with fetch-depth: 0), so another baseline was used`
  }
  const channel = await input.channelBaseline?.()
  if (channel?.sources) return { kind: 'channel', description: `the channel's current bundle ${channel.version}`, sources: channel.sources, note }
  // Not asked outside a repository, where it fails as rev-parse did: one git process less per check there.
  const tag = head.inRepository ? (await git.run(['describe', '--tags', '--abbrev=0', 'HEAD^']))?.trim() : undefined
  if (tag) {
    const found = await atRef(tag)
    if (found) return { kind: 'tag', description: `the previous tag ${tag}`, ...found, note }
  }
  return { kind: 'none', description: 'none (first publish)', note }
}

/** Sources without the packages declared JavaScript-only, and without patches of them. */
function withoutJsOnly(sources: NativeSource[], jsOnly: Set<string>): NativeSource[] {
  return sources.filter((s) => !(s.kind === 'plugin' && jsOnly.has(pluginName(s))) && !(s.kind === 'patch' && s.patches !== undefined && s.patches.split(', ').every((name) => jsOnly.has(name))))
}

/** Which keys of each capacitor.config changed, where the baseline's value is known (a git ref; a channel records hashes only). */
function configChanges(current: ConfigValues, baseline: ConfigValues | undefined): Map<string, string[]> {
  const changes = new Map<string, string[]>()
  for (const [file, value] of current) {
    if (baseline?.has(file)) changes.set(file, changedKeys(baseline.get(file), value).map((key) => (key === '$code' ? 'code beside the config object' : key)))
  }
  return changes
}

/** Can this change reach users as a live update, or does it need a store release? */
export async function checkEligibility(input: EligibilityInput): Promise<Verdict> {
  const git = input.git ?? gitAt(input.projectDir)
  // Its reads share one git process, ended with the check.
  try {
    return await check(input, git)
  } finally {
    git.close()
  }
}

async function check(input: EligibilityInput, git: GitPort): Promise<Verdict> {
  const framework = await detectFramework(workTree(input.projectDir))
  const shownPrefix = await git.run(['rev-parse', '--show-prefix'])
  const prefix = (shownPrefix ?? '').trim()
  const plugins = await currentPlugins(input.projectDir, prefix)
  const jsOnly = new Set(input.jsOnlyPackages ?? [])
  const known = new Set(plugins.plugins.map(pluginName).filter((name) => !jsOnly.has(name)))
  const project = await projectSources(workTree(input.projectDir), known)
  const all = [...plugins.plugins, ...project.sources]
  const sources = withoutJsOnly(all, jsOnly)
  const overridden = [...jsOnly].filter((name) => all.some((s) => s.label === `plugin:${name}` || s.patches === name))
  const fingerprint = fingerprintOf(sources)
  const versions = await readNativeVersions(workTree(input.projectDir))
  const base = { fingerprint, nativeSources: sources, native: versions.native, unreadNativeVersions: versions.unread, framework: framework.name }
  if (framework.kind === 'unsupported') {
    return { ...base, eligible: false, reasons: [{ message: framework.reason, file: framework.file }], notes: [], baseline: { kind: 'none', description: 'not compared' } }
  }
  const baseline = await chooseBaseline(input, git, { prefix, inRepository: shownPrefix !== undefined, known, lockfile: plugins.lockfile?.path })
  const comparison = baseline.sources ? compareSources(sources, withoutJsOnly(baseline.sources, jsOnly), baseline.unknown, configChanges(project.configs, baseline.configs)) : { reasons: [], notes: ['first publish: the native fingerprint was recorded, and later runs compare against it'] }
  const scan = await scanBundle(input.webDir)
  const reasons = [...comparison.reasons, ...scan]
  const notes = [...comparison.notes, ...(baseline.note ? [baseline.note] : []), ...plugins.notes, ...project.notes, ...(baseline.notes ?? [])]
  if (overridden.length > 0) notes.unshift(`js-only-packages: ${overridden.join(', ')} left out of the check, as the input declares them JavaScript-only`)
  return { ...base, eligible: reasons.length === 0, reasons, notes, baseline: { kind: baseline.kind, description: baseline.description } }
}
