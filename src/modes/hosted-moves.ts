import { UserError } from '../errors.js'
import { rolloutPercent } from '../inputs.js'
import { commentOnPromotedPullRequest } from '../github/promotion-comment.js'
import { isForward } from '../registry/order.js'
import type { Release } from '../registry/releases.js'
import type { ChannelPointer, HostedChannel, HostedChannels, PublishAttempt, RolloutChange } from '../registry/types.js'
import type { Outcome } from '../report.js'
import { outcomeOf } from './move-outcome.js'
import type { ModeContext } from './types.js'

/*
 * promote, rollback and rollout on a backend that keeps its own channels: Capgo Cloud,
 * through its CLI (docs/architecture.md, Release operations). The service knows bundles by
 * version only, keeps no history the CLI shows, and checks native compatibility itself.
 */

/** The channel a release operation changes, on a backend with hosted channels. */
export interface HostedRun {
  channels: HostedChannels
  backend: string
  location: string
  appId: string
  channel: string
}

/** A bundle the service keeps, known by its version only: no URL or checksum the action can show. */
function hostedRelease(version: string): Release {
  return { version, url: '', checksum: '', size: 0, nativeFingerprint: '', publishedAt: '' }
}

function hostedPointer(channel: string, version: string, extra: Partial<ChannelPointer> = {}): ChannelPointer {
  return { ...hostedRelease(version), channel, commit: '', previous: [], ...extra }
}

/** The app's channels, and the channel input's among them. */
async function listChannels(mode: ModeContext, run: HostedRun): Promise<{ all: HostedChannel[]; target: HostedChannel }> {
  const all = await mode.stages.run('Channels', () => run.channels.list(run.appId), (list) =>
    `${list.length} channel(s) in ${run.location}${list.length ? `: ${list.map((c) => `${c.name} (${c.version ?? 'no bundle'})`).join(', ')}` : ''}`)
  const target = all.find((listed) => listed.name === run.channel)
  if (!target) throw new UserError(`Channel ${run.channel} of ${run.appId} is not in ${run.location}: check the channel input, or create the channel in the Capgo console first.`)
  return { all, target }
}

/** The version a listed channel sends, asked of the service; none when no bundle is linked. */
async function currentOf(run: HostedRun, listed: HostedChannel): Promise<string | undefined> {
  return listed.version === undefined ? undefined : run.channels.currentVersion(run.appId, listed.name)
}

/** What the from input names: a channel's current bundle, else a version. */
async function sourceOf(run: HostedRun, all: HostedChannel[], from: string): Promise<{ version: string; origin: string; channel: string }> {
  const listed = all.find((channel) => channel.name === from)
  if (!listed) return { version: from, origin: `version ${from}`, channel: '' }
  const version = await currentOf(run, listed)
  if (!version) throw new UserError(`Channel ${from} of ${run.appId} has no bundle in ${run.location} to promote: check the from input, or name a version.`)
  return { version, origin: from, channel: from }
}

/** A promote's move: forward only, as on the registries; nothing is sent again, the service links the version. */
async function promoteTo(run: HostedRun, before: string | undefined, version: string, rollout: number | undefined, origin: string): Promise<PublishAttempt> {
  const moved = { bundleUrl: '', bundleCreated: false }
  if (before === version) return { ...moved, kind: 'unchanged', pointer: hostedPointer(run.channel, version) }
  if (before && !isForward(before, version)) return { ...moved, kind: 'behind', current: hostedPointer(run.channel, before) }
  await run.channels.setVersion(run.appId, run.channel, version, { rollout, input: 'from' })
  const share = before && rollout !== undefined ? { rollout: { percent: rollout, replaces: hostedRelease(before) } } : {}
  return { ...moved, kind: 'published', pointer: hostedPointer(run.channel, version, { promotedFrom: origin, ...share }) }
}

export async function promoteHosted(mode: ModeContext, run: HostedRun, from: string): Promise<Outcome> {
  const { inputs, stages } = mode
  const { channel, location } = run
  // Capgo rolls out only beside a channel's bundle: 100 % is a plain promote.
  const asked = rolloutPercent(inputs)
  const percent = asked !== undefined && asked < 100 ? asked : undefined
  const { all, target } = await listChannels(mode, run)
  const source = await stages.run('Source', () => sourceOf(run, all, from), (s) => `${s.origin}: ${s.version}`)
  const before = await currentOf(run, target)
  await stages.run('Eligibility', async () => undefined, () =>
    `not checked by the action: ${location} keeps no manifest it can read, so ${source.version}'s native sources cannot be compared with those of ${channel}'s bundle${before ? ` ${before}` : ''}; the Capgo CLI compares the bundles' native packages itself and refuses an incompatible one`)
  if (percent !== undefined && !before) {
    throw new UserError(`Channel ${channel} has no bundle for the devices outside a rollout, and ${location} needs one: promote without the rollout input first.`)
  }
  const attempt = await stages.run('Promote', () => promoteTo(run, before, source.version, percent, source.origin), (a) =>
    a.kind === 'published' ? `${channel} → ${source.version}${percent ? ` for ${percent} % of devices (the others keep ${before})` : ''}` : `${channel} did not move (${a.kind})`)
  const outcome = outcomeOf('promote', channel, before === undefined ? undefined : hostedPointer(channel, before), attempt)
  if (outcome.kind === 'moved') await commentOnPromotedPullRequest(mode, source, outcome.move)
  return outcome
}

/** A rollback to the version input: the one move backward, to every device, ending any rollout. */
export async function rollbackHosted(mode: ModeContext, run: HostedRun): Promise<Outcome> {
  const { channel, appId, location } = run
  const version = mode.inputs.version
  if (!version) {
    throw new UserError(`Mode rollback on the ${run.backend} backend needs the version input: ${location}'s CLI does not tell a channel's earlier bundles, so name the version to go back to, such as 1.2.0.`)
  }
  const { target } = await listChannels(mode, run)
  const before = await currentOf(run, target)
  if (!before) throw new UserError(`Channel ${channel} of ${appId} has no bundle in ${location} to roll back from: check the channel input.`)
  if (version === before) throw new UserError(`Channel ${channel} already points at ${version}: name an earlier version in the version input.`)
  if (!isForward(version, before)) throw new UserError(`The version input ${version} is newer than ${before}, which ${channel} points at, and a rollback goes back: name an earlier version, or promote ${version} instead.`)
  await mode.stages.run('Rollback', () => run.channels.setVersion(appId, channel, version, { endRollout: true, input: 'version' }), () => `${channel} went back from ${before} to ${version}, for every device`)
  const pointer = hostedPointer(channel, version, { rolledBackFrom: before })
  return outcomeOf('rollback', channel, hostedPointer(channel, before), { kind: 'published', bundleUrl: '', bundleCreated: false, pointer })
}

function describeRollout(change: RolloutChange, channel: string, stable: string): string {
  const others = `devices outside it keep ${stable}`
  if ('pause' in change) return `the rollout of ${channel} is ${change.pause ? 'paused' : 'resumed'}; ${others}`
  if (change.percent >= 100) return `the rollout bundle of ${channel} is now its bundle, for every device`
  return `the rollout bundle of ${channel} reaches ${change.percent} % of its devices; ${others} (the Capgo CLI does not tell a rollout's bundle or share, so a lower percentage is not refused here)`
}

/** Raises, pauses, resumes or finishes the rollout the service keeps: the action sees only the channel's bundle. */
export async function rolloutHosted(mode: ModeContext, run: HostedRun, change: RolloutChange): Promise<Outcome> {
  const { channel, appId, location } = run
  const { target } = await listChannels(mode, run)
  const stable = await currentOf(run, target)
  if (!stable) throw new UserError(`Channel ${channel} of ${appId} has no bundle in ${location}, so no rollout to change: check the channel input.`)
  await mode.stages.run('Rollout', () => run.channels.changeRollout(appId, channel, change), () => describeRollout(change, channel, stable))
  const finished = 'percent' in change && change.percent >= 100 ? await run.channels.currentVersion(appId, channel) : undefined
  return { kind: 'rollout-changed', channel, change, stable, ...(finished ? { finished } : {}) }
}
