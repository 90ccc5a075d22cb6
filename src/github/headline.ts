import type { ChannelPointer } from '../registry/types.js'
import type { ChannelMove, Outcome, RunReport } from '../report.js'
import { formatBytes } from '../stages.js'
import { comparedWith } from './bundle-changes.js'
import { code, escapeMarkdown, sizeDelta } from './markdown.js'
import { pruneHeadline } from './prune-summary.js'

/** Published: the download, its change against what devices run now, and how many files changed. */
function sizeFacts(report: RunReport, size: number): string {
  const facts = [`${formatBytes(size)} download`]
  const comparison = report.bundleComparison
  if (comparison?.kind === 'compared') {
    facts.push(`${sizeDelta(size - comparison.archive.before)} against ${comparedWith(comparison)}`)
    const count = comparison.changes.length
    facts.push(count === 0 ? 'no file changed' : `${count} file${count > 1 ? 's' : ''} changed`)
  }
  return facts.join(', ')
}

function share(pointer: ChannelPointer | undefined): string {
  if (!pointer) return 'nothing'
  return pointer.rollout ? `${pointer.rollout.percent} %${pointer.rollout.paused ? ' (paused)' : ''}` : '100 %'
}

/** Promote, rollback and rollout: what the channel's devices get now, and what they got before. */
function moveHeadline(move: ChannelMove): { icon: string; line: string } {
  const { before, after, channel } = move
  const was = before ? `, which had ${code(before.version)}` : ''
  if (move.unchanged) return { icon: '⏭️', line: `**Nothing changed:** ${code(channel)} already points at ${code(after.version)}.` }
  switch (move.operation) {
    case 'promote':
      return { icon: '🚀', line: `**Promoted** ${code(after.version)} from ${code(after.promotedFrom ?? '')} to channel ${code(channel)}${was}, with the same bytes and checksum${after.rollout ? `, for ${after.rollout.percent} % of its devices (the others keep ${code(after.rollout.replaces.version)})` : ''}.` }
    case 'rollback':
      return { icon: '⏪', line: `**Rolled back** channel ${code(channel)} from ${code(before?.version ?? '')} to the older ${code(after.version)}: a rollback is the one operation that moves a channel backward.` }
    case 'rollout':
      return { icon: '📶', line: after.rollout
        ? `**Rollout** of ${code(after.version)} on ${code(channel)}: ${share(before)} → ${share(after)} of devices; the others keep ${code(after.rollout.replaces.version)}.`
        : `**Rollout finished:** every device of ${code(channel)} gets ${code(after.version)} (it reached ${share(before)}).` }
  }
}

/** A rollout the backend keeps (Capgo): the action knows the channel's bundle, not the rollout's. */
function hostedRolloutHeadline(outcome: Outcome & { kind: 'rollout-changed' }): { icon: string; line: string } {
  const { change, channel, stable, finished } = outcome
  const others = `devices outside it keep ${code(stable)}`
  if (finished) return { icon: '📶', line: `**Rollout finished:** every device of ${code(channel)} gets ${code(finished)}, the rollout's bundle, which replaced ${code(stable)}.` }
  if ('pause' in change) return { icon: change.pause ? '⏸️' : '📶', line: `**Rollout ${change.pause ? 'paused' : 'resumed'}** on ${code(channel)}: ${others}.` }
  return { icon: '📶', line: `**Rollout** on ${code(channel)}: its rollout bundle reaches ${change.percent} % of devices; ${others} (the Capgo CLI does not tell a rollout's bundle or earlier share).` }
}

/**
 * The title and the one line a reviewer reads: verdict, channel, version, size and its
 * change. The emoji in the title says the same as the bold words, for a glance.
 */
export function headlineLines(report: RunReport): string[] {
  const { outcome, verdict, target } = report
  const app = report.appId ? ` of ${code(report.appId)}` : ''
  const where = report.workingDirectory && report.workingDirectory !== '.' ? ` in ${code(report.workingDirectory)}` : ''
  const needsStore = verdict !== undefined && !verdict.eligible
  let icon: string
  let line: string
  switch (outcome.kind) {
    case 'published': {
      const { pointer, kind } = outcome.result
      const published = kind === 'unchanged'
        ? `Version ${code(pointer.version)} was already published to ${code(pointer.channel)}: nothing changed.`
        : `Published ${code(pointer.version)} to channel ${code(pointer.channel)}${needsStore ? ' anyway (on-native-change: publish)' : ''}: ${sizeFacts(report, outcome.bundle.size)}.`
      icon = needsStore ? '⚠️' : '✅'
      line = needsStore
        ? `**Needs a store release.** ${published} Only devices with the new native build should take it.`
        : `**Can ship as a live update.** ${published}`
      break
    }
    case 'skipped':
      icon = needsStore ? '⛔' : '⏭️'
      line = needsStore
        ? '**Needs a store release.** Nothing was published (on-native-change: skip).'
        : `**Nothing was published**${target ? ` to ${code(target.channel)}` : ''}: ${escapeMarkdown(outcome.reason)}.`
      break
    case 'removed': {
      const versions = outcome.removal.removedVersions.map(code).join(', ') || 'none'
      const channel = code(target?.channel ?? '')
      icon = '🧹'
      line = outcome.removal.removedPointer
        ? `The preview was removed: channel ${channel} and its bundles (${versions}).`
        : `The preview was removed: channel ${channel} had nothing published; bundles removed: ${versions}.`
      break
    }
    case 'moved':
      ;({ icon, line } = moveHeadline(outcome.move))
      break
    case 'rollout-changed':
      ;({ icon, line } = hostedRolloutHeadline(outcome))
      break
    case 'pruned':
      icon = '🧹'
      line = pruneHeadline(outcome)
      break
    case 'failed':
      icon = needsStore ? '⛔' : '❌'
      line = needsStore
        ? '**Needs a store release.** The step failed and nothing was published (on-native-change: fail).'
        : `**The live update failed:** ${escapeMarkdown(outcome.error)}`
      break
  }
  return [`## ${icon} Live update${app}${where}`, '', line, '']
}
