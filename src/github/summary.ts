import { registryKeys } from '../registry/layout.js'
import type { ChannelPointer } from '../registry/types.js'
import type { ChannelMove, RunReport } from '../report.js'
import { formatDuration } from '../stages.js'
import { bundleChangeLines } from './bundle-changes.js'
import { headlineLines } from './headline.js'
import { howToTestLines } from './how-to-test.js'
import { code, escapeMarkdown, folded, linkDestination, table } from './markdown.js'
import { isWebLink } from './preview-link.js'
import { pruneLines } from './prune-summary.js'

const FOLD_REASONS_OVER = 5

/** Why a change needs a store release, right under the headline that says so. */
function reasonLines(report: RunReport): string[] {
  const { verdict } = report
  if (!verdict || verdict.eligible) return []
  const reasons = verdict.reasons.map((reason) => `- ${escapeMarkdown(reason.message)}`)
  return [
    '### Why it needs a store release',
    '',
    'This change touches native code, which a live update cannot deliver:',
    '',
    ...(reasons.length > FOLD_REASONS_OVER ? folded(`${reasons.length} reasons`, reasons) : reasons),
    ''
  ]
}

/** What keeps devices from taking the update: right under the headline, where a maintainer reads. */
function warningLines(report: RunReport): string[] {
  return (report.warnings ?? []).flatMap((warning) => ['> [!WARNING]', `> ${escapeMarkdown(warning)}`, ''])
}

function noteLines(report: RunReport): string[] {
  const notes = report.verdict?.notes ?? []
  return notes.length ? [...notes.map((note) => `- ℹ️ ${escapeMarkdown(note)}`), ''] : []
}

/** A link only where a tester's browser can reach it; the folder registry's file:// stays on the runner. */
function bundleLocation(report: RunReport, url: string, version: string): string {
  if (isWebLink(url)) return `[bundle.zip](${linkDestination(url)})`
  if (report.backend === 'folder') return `${code(registryKeys.bundle(report.appId ?? '', version))} in the folder registry (set public-url to link it)`
  return code(url)
}

/** The channel before and after a promote, rollback or rollout. */
function moveRows({ channel, before, after }: ChannelMove): string[][] {
  const devices = (p: ChannelPointer | undefined) => (p ? (p.rollout ? `${p.rollout.percent} %${p.rollout.paused ? ' (paused)' : ''}, the others ${code(p.rollout.replaces.version)}` : 'all') : '—')
  return [
    ['Channel', code(channel)],
    ['Version', `${before ? code(before.version) : 'none'} → ${code(after.version)}`],
    ['Devices that get it', `${devices(before)} → ${devices(after)}`],
    // Capgo keeps no checksum the action can read.
    ...(after.checksum ? [['Archive checksum (sha256)', code(after.checksum)]] : []),
    ...(after.promotedFrom ? [['Promoted from', code(after.promotedFrom)]] : []),
    ...(after.rolledBackFrom ? [['Rolled back from', code(after.rolledBackFrom)]] : [])
  ]
}

function detailLines(report: RunReport): string[] {
  const { outcome, verdict, target } = report
  const rows: string[][] = []
  if (target) rows.push(['Target', `${escapeMarkdown(target.origin)}, backend ${code(report.backend)}`])
  else rows.push(['Backend', code(report.backend)])
  if (outcome.kind === 'published') {
    const { pointer, bundleUrl } = outcome.result
    rows.push(
      ['Channel', code(pointer.channel)],
      ['Version', code(pointer.version)],
      ['Commit', code(pointer.commit.slice(0, 7) || 'unknown')],
      ['Bundle', bundleLocation(report, bundleUrl, pointer.version)],
      ['Files', String(outcome.bundle.fileCount)],
      ['Archive checksum (sha256)', code(outcome.bundle.checksum)]
    )
  }
  if (outcome.kind === 'moved') rows.push(...moveRows(outcome.move))
  if (outcome.kind === 'rollout-changed') {
    const { channel, stable, finished } = outcome
    rows.push(['Channel', code(channel)], finished ? ['Version', `${code(stable)} → ${code(finished)}`] : ['Bundle outside the rollout', code(stable)])
  }
  if (verdict) {
    rows.push(['Framework', escapeMarkdown(verdict.framework)], ['Native baseline', escapeMarkdown(verdict.baseline.description)])
    if (verdict.fingerprint) rows.push(['Native fingerprint', code(verdict.fingerprint.slice(0, 16))])
  }
  return [...folded('Details', table(['Detail', 'Value'], rows)), '']
}

function signingLines(report: RunReport): string[] {
  if (!report.signing) return []
  const key = ['```', report.signing.publicKeyPem.trim().replace(/`/g, ''), '```']
  return [...folded(`Signed with ${report.signing.algorithm}: the public key devices verify with`, key), '']
}

/** The content shared by the job summary and the pull-request comment. */
export function buildReportBody(report: RunReport, now: Date = new Date()): string {
  const run = report.runUrl ? `[Workflow run](${report.runUrl}) · ` : ''
  return [
    ...headlineLines(report),
    ...warningLines(report),
    ...reasonLines(report),
    ...howToTestLines(report),
    ...pruneLines(report.outcome),
    ...bundleChangeLines(report.outcome.kind === 'published' ? report.bundleComparison : undefined),
    ...noteLines(report),
    ...detailLines(report),
    ...signingLines(report),
    `${run}${now.toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    ''
  ].join('\n')
}

/** The job summary: the same content on every event, pull request or not, with the stage timings. */
export function buildSummary(report: RunReport, now?: Date): string {
  const timings = report.timings.length
    ? ['### Stages', '', ...table(['Stage', 'Outcome', 'Time'], report.timings.map((t) => [t.name, escapeMarkdown(t.outcome), formatDuration(t.ms)])), '']
    : []
  return [buildReportBody(report, now), ...timings].join('\n')
}
