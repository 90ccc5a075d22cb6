import type { Verdict } from '../eligibility/index.js'
import { compareSources } from '../eligibility/verdict.js'
import { UserError } from '../errors.js'
import { rolloutPercent } from '../inputs.js'
import { applyNativeChangePolicy, openAppBackend } from '../pipeline.js'
import { checkNativeVersionBumped } from '../registry/native-compatibility.js'
import type { Backend, ChannelPointer, Manifest } from '../registry/types.js'
import type { Outcome } from '../report.js'
import { commentOnPromotedPullRequest } from '../github/promotion-comment.js'
import { promoteHosted, rollbackHosted, rolloutHosted, type HostedRun } from './hosted-moves.js'
import { outcomeOf } from './move-outcome.js'
import type { ModeContext, ModeRun } from './types.js'

/*
 * Release operations on channels that are already published (docs/architecture.md, Release
 * operations): promote, rollback and rollout. Nothing is built or uploaded. Backends that keep
 * their own channels (Capgo) go through src/modes/hosted-moves.ts.
 */

type Opened = { backend: Backend; appId: string; channel: string }

/** The channel input, the app and its backend; `operation` names what a registry backend must support. */
async function openChannel(mode: ModeContext, operation: 'moveChannel' | 'changeRollout'): Promise<Opened | Outcome> {
  const { inputs, services, report } = mode
  const name = inputs.mode
  if (!inputs.channel) throw new UserError(`Mode ${name} needs the channel input: set it to the channel to change, such as production.`)
  const opened = await openAppBackend(inputs, services, report)
  if ('kind' in opened) return opened
  if (!opened.backend[operation] && !opened.backend.hostedChannels) {
    throw new UserError(`Mode ${name} cannot change channels of the ${opened.backend.name} backend: use backend folder, s3 or capgo.`)
  }
  return { ...opened, channel: inputs.channel }
}

/** The channel's run through the backend's hosted channels (Capgo), if it keeps them. */
function hosted({ backend, appId, channel }: Opened): HostedRun | undefined {
  return backend.hostedChannels && { channels: backend.hostedChannels, backend: backend.name, location: backend.location, appId, channel }
}

async function storedManifest(backend: Backend, appId: string, version: string, input: string): Promise<Manifest> {
  const manifest = await backend.readManifest(appId, version)
  if (!manifest) throw new UserError(`Version ${version} of ${appId} is not in ${backend.location}: check the ${input} input, or publish that version first.`)
  return manifest
}

/** The promoted bundle against what the target channel's devices run, as a publish checks it. */
function promoteVerdict(source: Manifest, target: Manifest | undefined, channel: string): Verdict {
  const base = { fingerprint: source.nativeFingerprint, nativeSources: source.nativeSources, native: source.native, framework: source.eligibility.framework }
  if (!target) return { ...base, eligible: true, reasons: [], notes: [`${channel} had no bundle: the promote records its native fingerprint`], baseline: { kind: 'none', description: 'none (first bundle of the channel)' } }
  const comparison = compareSources(source.nativeSources, target.nativeSources)
  return { ...base, eligible: comparison.reasons.length === 0, reasons: comparison.reasons, notes: comparison.notes, baseline: { kind: 'channel', description: `${channel}'s current bundle ${target.version}` } }
}

/** The channel or version the from input names: a channel's current bundle, else a stored version. */
async function promotedVersion(backend: Backend, appId: string, from: string): Promise<{ version: string; origin: string }> {
  const pointer = await backend.readPointer(appId, from)
  if (pointer) return { version: pointer.version, origin: from }
  if (await backend.readManifest(appId, from)) return { version: from, origin: `version ${from}` }
  throw new UserError(`The from input "${from}" names no channel and no version of ${appId} in ${backend.location}: name a published channel (such as pr-12 or beta) or a stored version.`)
}

export const promoteMode: ModeRun = async (mode) => {
  const { inputs, services, stages, report } = mode
  if (!inputs.from) throw new UserError('Mode promote needs the from input: set it to the channel (such as pr-12) or the version whose bundle goes to the channel input.')
  if (inputs.from === inputs.channel) throw new UserError(`The from input and the channel input both name ${inputs.from}: promote from another channel or version.`)
  const opened = await openChannel(mode, 'moveChannel')
  if ('kind' in opened) return opened
  const from = inputs.from
  const run = hosted(opened)
  if (run) return promoteHosted(mode, run, from)
  const { backend, appId, channel } = opened
  const source = await stages.run('Source', async () => {
    const { version, origin } = await promotedVersion(backend, appId, from)
    return { origin, manifest: await storedManifest(backend, appId, version, 'from') }
  }, (s) => `${s.origin}: ${s.manifest.version}, sha256 ${s.manifest.checksum}`)
  const before = await backend.readPointer(appId, channel)
  const targetManifest = before && (await backend.readManifest(appId, before.version))
  const verdict = await stages.run('Eligibility', async () => promoteVerdict(source.manifest, targetManifest, channel), (v) =>
    v.eligible ? `runs on the native build of ${channel}'s devices` : `needs a store release for ${channel}'s devices (${v.reasons.length} reason(s))`)
  report.verdict = verdict
  const refused = applyNativeChangePolicy(services.workflow, verdict, inputs.onNativeChange)
  if (refused) return refused
  if (!verdict.eligible) checkNativeVersionBumped(before, verdict.fingerprint, source.manifest.native)
  const attempt = await stages.run('Promote', () => backend.moveChannel!({ appId, channel, manifest: source.manifest, rollout: rolloutPercent(inputs), promotedFrom: source.origin }), (a) =>
    a.kind === 'published' || a.kind === 'unchanged' ? `${channel} → ${a.pointer.version}${a.pointer.rollout ? ` for ${a.pointer.rollout.percent} % of devices` : ''}` : `${channel} did not move (${a.kind})`)
  const outcome = outcomeOf('promote', channel, before, attempt)
  if (outcome.kind === 'moved') await commentOnPromotedPullRequest(mode, source.manifest, outcome.move)
  return outcome
}

/** The release a rollback goes to: the version input, else the one before the current. */
function rollbackVersion(pointer: ChannelPointer, version: string | undefined): string {
  const history = (pointer.previous ?? []).map((release) => release.version)
  if (!version) {
    if (!history[0]) throw new UserError(`Channel ${pointer.channel} has no earlier release to roll back to (it has only ever had ${pointer.version}): promote or publish the version you want instead.`)
    return history[0]
  }
  if (version === pointer.version) throw new UserError(`Channel ${pointer.channel} already points at ${version}: name an earlier version in the version input, or leave it empty for the previous one.`)
  if (!history.includes(version)) {
    throw new UserError(`The version input ${version} is not in ${pointer.channel}'s history (${history.join(', ') || 'empty'}): name one of those, or promote that version instead.`)
  }
  return version
}

export const rollbackMode: ModeRun = async (mode) => {
  const { inputs, stages } = mode
  if (inputs.rollout) throw new UserError('The rollout input is set, but a rollback sends its version to every device: remove the input.')
  const opened = await openChannel(mode, 'moveChannel')
  if ('kind' in opened) return opened
  const run = hosted(opened)
  if (run) return rollbackHosted(mode, run)
  const { backend, appId, channel } = opened
  const before = await backend.readPointer(appId, channel)
  if (!before) throw new UserError(`Channel ${channel} of ${appId} has never been published in ${backend.location}: check the channel input.`)
  const version = rollbackVersion(before, inputs.version)
  const manifest = await storedManifest(backend, appId, version, 'version')
  const attempt = await stages.run('Rollback', () => backend.moveChannel!({ appId, channel, manifest, rollback: true }), (a) =>
    a.kind === 'published' || a.kind === 'unchanged' ? `${channel} went back from ${before.version} to ${a.pointer.version}` : `${channel} did not move (${a.kind})`)
  return outcomeOf('rollback', channel, before, attempt)
}

export const rolloutMode: ModeRun = async (mode) => {
  const { inputs, stages } = mode
  const change = inputs.rollout
  if (!change) throw new UserError('Mode rollout needs the rollout input: a percentage of devices from 1 to 100 (100 finishes the rollout), or pause or resume.')
  const opened = await openChannel(mode, 'changeRollout')
  if ('kind' in opened) return opened
  const run = hosted(opened)
  if (run) return rolloutHosted(mode, run, change)
  const { backend, appId, channel } = opened
  const { before, after } = await stages.run('Rollout', () => backend.changeRollout!(appId, channel, change), ({ after: a }) =>
    a.rollout ? `${a.version} reaches ${a.rollout.percent} % of ${channel}'s devices${a.rollout.paused ? ' (paused)' : ''}` : `${a.version} reaches every device of ${channel}: the rollout is finished`)
  return { kind: 'moved', move: { operation: 'rollout', channel, before, after } }
}
