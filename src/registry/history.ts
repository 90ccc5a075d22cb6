import { isForward } from './order.js'
import { currentRelease } from './pointer.js'
import { retainReleases } from './releases.js'
import { UserError } from '../errors.js'
import type { ChannelPointer, PublishRequest, RolloutChange } from './types.js'

/*
 * The next pointer of a channel from its current one (docs/architecture.md, Native builds
 * and rollouts): pure, so the compare-and-swap loop can compute it again on every attempt.
 */

/** The pointer a publish, promote or rollback writes over `previous`. */
export function nextPointer(request: PublishRequest, bundleUrl: string, previous: ChannelPointer | undefined): ChannelPointer {
  const { files: _files, nativeSources: _sources, eligibility: _verdict, appId: _appId, ...fields } = request.manifest
  const history = previous ? [currentRelease(previous), ...(previous.previous ?? [])] : []
  const kept = history.filter((release) => release.version !== request.version &&
    // A rollback takes the releases it goes back from out of the history: a second rollback goes further back, never forward.
    (!request.allowBackward || isForward(release.version, request.version)))
  const replaced = previous && previous.version !== request.version ? currentRelease(previous) : undefined
  return {
    ...fields,
    url: bundleUrl,
    ...(request.promotedFrom ? { promotedFrom: request.promotedFrom } : {}),
    ...(request.allowBackward && previous ? { rolledBackFrom: previous.version } : {}),
    previous: retainReleases(kept),
    ...(request.rollout !== undefined && request.rollout < 100 && replaced ? { rollout: { percent: request.rollout, replaces: replaced } } : {})
  }
}

/**
 * The pointer with its rollout changed. A rollout only grows: lowering it would take devices
 * back, which is a rollback's work; 100 finishes it.
 */
export function changedRollout(pointer: ChannelPointer, change: RolloutChange): ChannelPointer {
  const { rollout, ...rest } = pointer
  if (!rollout) {
    throw new UserError(`Channel ${pointer.channel} has no rollout under way (it sends ${pointer.version} to every device): start one by publishing or promoting with the rollout input.`)
  }
  if ('pause' in change) return { ...rest, rollout: { ...rollout, paused: change.pause } }
  if (change.percent < rollout.percent) {
    throw new UserError(`The rollout input ${change.percent} is below the ${rollout.percent} % that ${pointer.version} already reaches on ${pointer.channel}, and lowering it would take devices back: use rollout: pause to hold it, or mode rollback to go back to ${rollout.replaces.version}.`)
  }
  if (change.percent >= 100) return rest
  return { ...rest, rollout: { percent: change.percent, replaces: rollout.replaces } }
}
