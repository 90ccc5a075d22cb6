import type { Outcome, PreviewFate } from '../report.js'
import { code, table } from './markdown.js'

type Pruned = Outcome & { kind: 'pruned' }

const age = (fate: PreviewFate) => (fate.ageDays === undefined ? 'unknown' : `${fate.ageDays.toFixed(1)} days`)

function why(fate: PreviewFate, ttlDays: number | undefined): string {
  if (fate.kind === 'kept') return `pull request #${fate.pullRequest} is open${ttlDays === undefined ? '' : ` and the preview is younger than ${ttlDays} days`}`
  const bundles = fate.removal.removedVersions.map(code).join(', ') || 'no bundle of its own'
  const reason = fate.why === 'closed' ? `pull request #${fate.pullRequest} is closed` : `older than preview-ttl-days (${ttlDays})`
  return `${reason}; removed ${bundles}`
}

/** The one line under the title: how many previews went and how many stayed. */
export function pruneHeadline(outcome: Pruned): string {
  const removed = outcome.previews.filter((fate) => fate.kind === 'removed')
  if (outcome.previews.length === 0) return 'No preview channel to prune: nothing was removed.'
  return `Pruned previews: removed ${removed.length === 0 ? 'none' : removed.map((fate) => code(fate.channel)).join(', ')}; kept ${outcome.previews.length - removed.length}.`
}

/** Each preview channel, what prune did with it and why, then the channels it never touches. */
export function pruneLines(outcome: Outcome): string[] {
  if (outcome.kind !== 'pruned') return []
  const ttlDays = outcome.agesUnknown ? undefined : outcome.ttlDays
  const rows = outcome.previews.map((fate) => [code(fate.channel), fate.kind, age(fate), why(fate, ttlDays)])
  const others = outcome.otherChannels.length ? outcome.otherChannels.map(code).join(', ') : 'none'
  const unapplied = outcome.agesUnknown && outcome.ttlDays !== undefined
    ? [`The preview-ttl-days input (${outcome.ttlDays}) did not apply: the backend does not tell when a channel was published, so only the previews of closed pull requests were pruned.`, '']
    : []
  return [
    ...unapplied,
    ...(rows.length ? ['### Previews', '', ...table(['Channel', 'Decision', 'Age', 'Why'], rows), ''] : []),
    `Channels that are not previews, never touched: ${others}.`,
    ''
  ]
}
