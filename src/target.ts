import semver from 'semver'
import type { EventContext } from './context.js'
import { UserError } from './errors.js'
import { checkVersion } from './validate.js'

export interface PullRequestInfo {
  number: number
  headSha: string
  baseSha: string
  baseRef: string
  /** Opened from a fork: secrets are absent, and its code is untrusted. */
  fromFork: boolean
}

/** Where this run publishes, or what it removes, and why; `kind`, not `mode`: the mode input is the run's, this is its target's. */
export type Target =
  | {
      kind: 'publish'
      channel: string
      version: string
      commit: string
      /** How the channel and version were chosen, for the log. */
      origin: string
      pullRequest?: PullRequestInfo
    }
  | { kind: 'cleanup'; channel: string; commit: string; origin: string; pullRequest: PullRequestInfo }

export interface TargetOverrides {
  channel?: string
  version?: string
}

const CHANNEL_MAX = 64

/** A branch name as a channel: lower case, `[a-z0-9._-]`, at most 64 characters. */
export function channelFromBranch(branch: string): string {
  const safe = branch
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, CHANNEL_MAX)
    .replace(/[-.]+$/g, '')
  return safe || 'branch'
}

/** A branch name as semver pre-release identifiers: `[0-9a-z-]`, dot-separated, no empty parts. */
function prereleaseFromBranch(branch: string): string {
  return (
    branch
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, CHANNEL_MAX) || 'branch'
  )
}

function baseVersion(packageVersion: string | undefined): string {
  const parsed = packageVersion ? semver.parse(packageVersion) : null
  if (!parsed) {
    throw new UserError(
      `The package.json version "${packageVersion ?? ''}" is not a semantic version: set "version" in package.json to one like 1.2.3, or give the version input.`
    )
  }
  return `${parsed.major}.${parsed.minor}.${parsed.patch}`
}

/** A pull request preview's version: `<package.json version>-pr.<number>.<run number>`. */
export function previewVersion(packageVersion: string | undefined, pullRequest: number, runNumber: number): string {
  return `${baseVersion(packageVersion)}-pr.${pullRequest}.${runNumber}`
}

function pullRequestInfo(payload: Record<string, any>): PullRequestInfo {
  const pr = payload.pull_request ?? {}
  const headRepo = pr.head?.repo?.full_name
  const baseRepo = pr.base?.repo?.full_name ?? payload.repository?.full_name
  return {
    number: Number(pr.number ?? payload.number),
    headSha: String(pr.head?.sha ?? ''),
    baseSha: String(pr.base?.sha ?? ''),
    baseRef: String(pr.base?.ref ?? ''),
    fromFork: Boolean(headRepo && baseRepo && headRepo !== baseRepo)
  }
}

function branchVersion(branch: string, ctx: EventContext, packageVersion?: string): string {
  const version = `${baseVersion(packageVersion)}-${prereleaseFromBranch(branch)}.${ctx.runNumber}`
  return checkVersion('version made from the branch name', version)
}

/** The preview channel a pull request owns; its cleanup removes this one only. */
function previewChannel(pullRequest: number): string {
  return `pr-${pullRequest}`
}

/** The pull request whose preview a channel is (previewChannel's inverse), or undefined: pr-12-foo is not one. */
export function previewPullRequest(channel: string): number | undefined {
  const match = /^pr-([1-9]\d*)$/.exec(channel)
  return match ? Number(match[1]) : undefined
}

/** Why an event publishes nothing (a deleted tag or branch, a release that is not published), or undefined. */
export function nothingToPublish(ctx: EventContext): string | undefined {
  if (ctx.eventName === 'push' && ctx.payload.deleted === true) {
    return `the push deleted ${ctx.ref.replace(/^refs\/(heads|tags)\//, '') || 'a ref'}, so there is no code to publish`
  }
  if (ctx.eventName === 'release' && ctx.payload.action !== 'published') {
    return `a release ${String(ctx.payload.action ?? 'event')} event publishes nothing (only published does): run the workflow on release types [published]`
  }
  return undefined
}

/** Channel and version from the event (README, Pull-request previews and tag releases); the inputs override. */
export function resolveTarget(ctx: EventContext, overrides: TargetOverrides, packageVersion?: string): Target {
  const commit = ctx.sha
  const isPullRequest = ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target'

  if (isPullRequest) {
    const pr = pullRequestInfo(ctx.payload)
    if (!Number.isInteger(pr.number) || pr.number <= 0) {
      throw new UserError(`The ${ctx.eventName} event payload (GITHUB_EVENT_PATH) has no pull request number: run the action on a pull_request event or set the channel input.`)
    }
    if (ctx.payload.action === 'closed') {
      // Only the preview channel the pull request owns: the channel input names a shared channel (staging) that a close must never remove.
      const ignored = overrides.channel ? `; the channel input ${overrides.channel} is not removed` : ''
      return { kind: 'cleanup', channel: previewChannel(pr.number), commit, origin: `pull request #${pr.number} closed${ignored}`, pullRequest: pr }
    }
    const channel = overrides.channel ?? previewChannel(pr.number)
    const version = overrides.version ?? previewVersion(packageVersion, pr.number, ctx.runNumber)
    return { kind: 'publish', channel, version, commit: pr.headSha || commit, origin: `pull request #${pr.number}`, pullRequest: pr }
  }

  const tag = ctx.eventName === 'release' ? String(ctx.payload.release?.tag_name ?? '') : ctx.eventName === 'push' && ctx.ref.startsWith('refs/tags/') ? ctx.ref.slice('refs/tags/'.length) : undefined
  if (tag) {
    const version = overrides.version ?? tagVersion(tag)
    const origin = ctx.eventName === 'release' ? `release ${tag}` : `tag ${tag}`
    return { kind: 'publish', channel: overrides.channel ?? 'production', version, commit, origin }
  }

  if (ctx.eventName === 'push' && ctx.ref.startsWith('refs/heads/')) {
    const branch = ctx.ref.slice('refs/heads/'.length)
    return {
      kind: 'publish',
      channel: overrides.channel ?? channelFromBranch(branch),
      version: overrides.version ?? branchVersion(branch, ctx, packageVersion),
      commit,
      origin: `push to branch ${branch}`
    }
  }

  if (!overrides.channel) {
    throw new UserError(
      `A ${ctx.eventName} run has no channel of its own: set the channel input (for example channel: beta).`
    )
  }
  const branch = ctx.ref.replace(/^refs\/(heads|tags)\//, '') || 'manual'
  return {
    kind: 'publish',
    channel: overrides.channel,
    version: overrides.version ?? branchVersion(branch, ctx, packageVersion),
    commit,
    origin: `${ctx.eventName} run`
  }
}

function tagVersion(tag: string): string {
  const candidate = tag.startsWith('v') ? tag.slice(1) : tag
  if (semver.valid(candidate) !== candidate) {
    throw new UserError(
      `The tag "${tag}" is not a version: name release tags like v1.2.3, or set the version input.`
    )
  }
  return checkVersion('version from the tag', candidate)
}
