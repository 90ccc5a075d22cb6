import type { ChannelPointer, PublishAttempt } from '../registry/types.js'
import type { ChannelMove, Outcome } from '../report.js'

/** A promote's or rollback's outcome, on any backend: moved, or why the channel stayed where it was. */
export function outcomeOf(operation: ChannelMove['operation'], channel: string, before: ChannelPointer | undefined, attempt: PublishAttempt): Outcome {
  switch (attempt.kind) {
    case 'behind':
      return { kind: 'skipped', reason: `${channel} stays on ${attempt.current.version}, which is newer: a promote moves a channel only forward (by semver); go back with mode rollback` }
    case 'closed':
      return { kind: 'skipped', reason: `${channel} is a closed pull request's preview, which stays removed` }
    default:
      return { kind: 'moved', move: { operation, channel, before, after: attempt.pointer, unchanged: attempt.kind === 'unchanged' } }
  }
}
