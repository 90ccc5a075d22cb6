import { redact } from './redact.js'
import type { RunReport } from './report.js'
import type { Workflow } from './workflow.js'

/** Every output of action.yml, always set, so later steps can read them without guards. */
export function outputsFor(report: RunReport): Record<string, string> {
  const { outcome, verdict, target } = report
  const published = outcome.kind === 'published' ? outcome.result : undefined
  const bundle = outcome.kind === 'published' || outcome.kind === 'skipped' ? outcome.bundle : undefined
  return {
    eligible: verdict ? String(verdict.eligible) : '',
    reasons: JSON.stringify(verdict?.reasons.map((reason) => reason.message) ?? []),
    fingerprint: verdict?.fingerprint ?? '',
    channel: target?.channel ?? '',
    version: target?.mode === 'publish' ? target.version : '',
    published: String(outcome.kind === 'published'),
    'bundle-url': published?.bundleUrl ?? '',
    checksum: bundle?.checksum ?? '',
    size: bundle ? String(bundle.size) : '',
    'removed-channels': JSON.stringify(outcome.kind === 'pruned' ? outcome.previews.filter((p) => p.kind === 'removed').map((p) => p.channel) : [])
  }
}

export function writeOutputs(workflow: Pick<Workflow, 'setOutput'>, report: RunReport, secrets: string[], extra: Record<string, string>): void {
  for (const [name, value] of Object.entries({ ...outputsFor(report), ...extra })) workflow.setOutput(name, redact(value, secrets))
}
