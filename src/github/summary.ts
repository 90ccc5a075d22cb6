import type { RunReport } from '../report.js'
import { formatBytes, formatDuration } from '../stages.js'
import { code, escapeMarkdown } from './markdown.js'

const FOLD_REASONS_OVER = 5

function sizeWithDelta(size: number, before?: number): string {
  const text = `${formatBytes(size)} (${size} bytes)`
  if (before === undefined) return text
  const delta = size - before
  if (delta === 0) return `${text}, unchanged`
  return `${text}, ${delta > 0 ? '+' : '−'}${formatBytes(Math.abs(delta))} against the channel's previous bundle`
}

/** What the action did with a change that needs a store release. */
function actionTaken(report: RunReport): string {
  switch (report.outcome.kind) {
    case 'published':
      return 'It was published anyway (on-native-change: publish), marked with its new native fingerprint: only devices with a matching native build should take it.'
    case 'skipped':
      return 'Nothing was published (on-native-change: skip).'
    default:
      return 'The step failed and nothing was published (on-native-change: fail).'
  }
}

function verdictLines(report: RunReport): string[] {
  const { verdict } = report
  if (!verdict) return []
  const reasons = verdict.reasons.map((reason) => `- ${escapeMarkdown(reason.message)}`)
  const folded = reasons.length > FOLD_REASONS_OVER
    ? ['<details><summary>' + `${reasons.length} reasons` + '</summary>', '', ...reasons, '', '</details>']
    : reasons
  const head = verdict.eligible
    ? ['### ✅ Can ship as a live update']
    : ['### ⛔ Needs a store release', '', `This change touches native code, which a live update cannot deliver. ${actionTaken(report)}`]
  const facts = `Framework: ${escapeMarkdown(verdict.framework)}. Baseline: ${escapeMarkdown(verdict.baseline.description)}.` +
    (verdict.fingerprint ? ` Native fingerprint ${code(verdict.fingerprint.slice(0, 16))}.` : '')
  return [...head, '', ...folded, ...(folded.length ? [''] : []), ...verdict.notes.map((note) => `- ℹ️ ${escapeMarkdown(note)}`), facts, '']
}

function deviceLines(channel: string): string[] {
  if (channel === 'production') return []
  return [
    'Put a test device on this channel with @capgo/capacitor-updater:',
    '',
    '```ts',
    `await CapacitorUpdater.setChannel({ channel: '${channel.replace(/[^A-Za-z0-9._-]/g, '')}' })`,
    '```',
    ''
  ]
}

function outcomeLines(report: RunReport): string[] {
  const { outcome, target } = report
  switch (outcome.kind) {
    case 'published': {
      const { result, bundle } = outcome
      const rows = [
        ['Channel', code(result.pointer.channel)],
        ['Version', code(result.pointer.version)],
        ['Commit', code(result.pointer.commit.slice(0, 7) || 'unknown')],
        ['Size', `${sizeWithDelta(bundle.size, result.previousPointer?.version === result.pointer.version ? undefined : result.previousPointer?.size)}, ${bundle.fileCount} files`],
        ['Checksum (sha256)', code(bundle.checksum)],
        ['Bundle URL', code(result.bundleUrl)]
      ]
      const headline = result.status === 'unchanged'
        ? `Version ${code(result.pointer.version)} was already published to ${code(result.pointer.channel)}: nothing changed.`
        : `Published ${code(result.pointer.version)} to channel ${code(result.pointer.channel)}.`
      return [headline, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), '', ...deviceLines(result.pointer.channel)]
    }
    case 'skipped':
      return [`Nothing was published${target ? ` to ${code(target.channel)}` : ''}: ${escapeMarkdown(outcome.reason)}.`, '']
    case 'removed': {
      const { removal } = outcome
      const versions = removal.removedVersions.map(code).join(', ') || 'none'
      return [
        removal.removedPointer
          ? `The preview was removed: channel ${code(target?.channel ?? '')} and its bundles (${versions}).`
          : `The preview was removed: channel ${code(target?.channel ?? '')} had nothing published; bundles removed: ${versions}.`,
        ''
      ]
    }
    case 'failed':
      return [`❌ ${escapeMarkdown(outcome.error)}`, '']
  }
}

/** The content shared by the job summary and the pull-request comment. */
export function buildReportBody(report: RunReport, now: Date = new Date()): string {
  const title = `## Live update${report.appId ? ` of ${code(report.appId)}` : ''}`
  const origin = report.target ? `Target: ${escapeMarkdown(report.target.origin)}, backend ${code(report.backend)}.` : `Backend ${code(report.backend)}.`
  const verdictFirst = report.verdict && !report.verdict.eligible
  const body = verdictFirst
    ? [...verdictLines(report), ...outcomeLines(report)]
    : [...outcomeLines(report), ...verdictLines(report)]
  const run = report.runUrl ? `[Workflow run](${report.runUrl}) · ` : ''
  return [title, '', origin, '', ...body, ...signingLines(report), `${run}${now.toISOString().replace('T', ' ').slice(0, 16)} UTC`, ''].join('\n')
}

function signingLines(report: RunReport): string[] {
  if (!report.signing) return []
  return [
    `### Signature: ${report.signing.algorithm}`,
    '',
    'The bundle is signed; devices verify it with this public key:',
    '',
    '```',
    report.signing.publicKeyPem.trim().replace(/`/g, ''),
    '```',
    ''
  ]
}

/** The job summary: the same content on every event, pull request or not, with the stage timings. */
export function buildSummary(report: RunReport, now?: Date): string {
  const timings = report.timings.length
    ? ['### Stages', '', '| stage | outcome | time |', '|---|---|---|', ...report.timings.map((t) => `| ${t.name} | ${escapeMarkdown(t.outcome)} | ${formatDuration(t.ms)} |`), '']
    : []
  return [buildReportBody(report, now), ...timings].join('\n')
}
