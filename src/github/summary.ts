import type { RunReport } from '../report.js'
import { formatBytes, formatDuration } from '../stages.js'
import { code, escapeMarkdown } from './markdown.js'

function verdictLines(report: RunReport): string[] {
  const { verdict } = report
  if (!verdict) return []
  const lines = [
    `### Eligibility: ${verdict.eligible ? '✅ can ship as a live update' : '⛔ needs a store release'}`,
    '',
    `Framework: ${escapeMarkdown(verdict.framework)}. Baseline: ${escapeMarkdown(verdict.baseline.description)}.` +
      (verdict.fingerprint ? ` Native fingerprint ${code(verdict.fingerprint.slice(0, 16))}.` : ''),
    ''
  ]
  for (const reason of verdict.reasons) lines.push(`- ${escapeMarkdown(reason.message)}`)
  for (const note of verdict.notes) lines.push(`- ℹ️ ${escapeMarkdown(note)}`)
  return [...lines, '']
}

function outcomeLines(report: RunReport): string[] {
  const { outcome, target } = report
  switch (outcome.kind) {
    case 'published': {
      const { result, bundle } = outcome
      const rows = [
        ['Channel', code(result.pointer.channel)],
        ['Version', code(result.pointer.version)],
        ['Size', `${formatBytes(bundle.size)} (${bundle.size} bytes, ${bundle.fileCount} files)`],
        ['Checksum (sha256)', code(bundle.checksum)],
        ['Bundle URL', code(result.bundleUrl)],
        ['Commit', code(result.pointer.commit.slice(0, 12) || 'unknown')]
      ]
      const headline = result.status === 'unchanged'
        ? `Version ${code(result.pointer.version)} was already published to ${code(result.pointer.channel)}: nothing changed.`
        : `Published ${code(result.pointer.version)} to channel ${code(result.pointer.channel)}.`
      return [headline, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), '']
    }
    case 'skipped':
      return [`Nothing was published${target ? ` to ${code(target.channel)}` : ''}: ${escapeMarkdown(outcome.reason)}`, '']
    case 'removed': {
      const { removal } = outcome
      const versions = removal.removedVersions.map(code).join(', ') || 'none'
      return [
        removal.removedPointer
          ? `Preview channel ${code(target?.channel ?? '')} was removed, with its bundles: ${versions}.`
          : `Preview channel ${code(target?.channel ?? '')} had nothing published; bundles removed: ${versions}.`,
        ''
      ]
    }
    case 'failed':
      return [`❌ ${escapeMarkdown(outcome.error)}`, '']
  }
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

/** The job summary: the same content on every event, pull request or not. */
export function buildSummary(report: RunReport): string {
  const title = `## Live update${report.appId ? ` of ${code(report.appId)}` : ''}`
  const origin = report.target ? `Target: ${escapeMarkdown(report.target.origin)}, backend ${code(report.backend)}.` : `Backend ${code(report.backend)}.`
  const timings = report.timings.length
    ? ['### Stages', '', '| stage | outcome | time |', '|---|---|---|', ...report.timings.map((t) => `| ${t.name} | ${escapeMarkdown(t.outcome)} | ${formatDuration(t.ms)} |`), '']
    : []
  const run = report.runUrl ? [`[Workflow run](${report.runUrl})`, ''] : []
  return [title, '', origin, '', ...outcomeLines(report), ...signingLines(report), ...verdictLines(report), ...timings, ...run].join('\n')
}
