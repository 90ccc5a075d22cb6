import { redact } from './redact.js'
import type { Outcome, RunReport } from './report.js'
import type { Workflow } from './workflow.js'

/**
 * A rollout Capgo keeps: the rollout's bundle is known only once finished, when it is the
 * channel's; before, `version` is empty and `rollout` the percentage set (empty on pause and resume).
 */
function hostedRolloutOutputs({ channel, change, stable, finished }: Outcome & { kind: 'rollout-changed' }): Record<string, string> {
  return {
    channel,
    version: finished ?? '',
    'previous-version': finished ? stable : '',
    rollout: finished ? '100' : 'percent' in change ? String(change.percent) : ''
  }
}

/** Every output of action.yml, always set, so later steps can read them without guards. */
function outputsFor(report: RunReport): Record<string, string> {
  const { outcome, verdict, target } = report
  const published = outcome.kind === 'published' ? outcome.result : undefined
  const bundle = outcome.kind === 'published' || outcome.kind === 'skipped' ? outcome.bundle : undefined
  const move = outcome.kind === 'moved' ? outcome.move : undefined
  const pointer = move?.after ?? published?.pointer
  const before = move ? move.before : published?.previousPointer
  return {
    eligible: verdict ? String(verdict.eligible) : '',
    reasons: JSON.stringify(verdict?.reasons.map((reason) => reason.message) ?? []),
    fingerprint: verdict?.fingerprint ?? '',
    channel: move?.channel ?? target?.channel ?? '',
    version: move?.after.version ?? (target?.kind === 'publish' ? target.version : ''),
    'previous-version': before && before.version !== pointer?.version ? before.version : '',
    /** The percentage of the channel's devices that get `version`. */
    rollout: pointer ? String(pointer.rollout?.percent ?? 100) : '',
    ...(outcome.kind === 'rollout-changed' ? hostedRolloutOutputs(outcome) : {}),
    published: String(outcome.kind === 'published'),
    'bundle-url': published?.bundleUrl ?? '',
    checksum: bundle?.checksum ?? move?.after.checksum ?? '',
    size: bundle ? String(bundle.size) : '',
    'removed-channels': JSON.stringify(outcome.kind === 'pruned' ? outcome.previews.filter((p) => p.kind === 'removed').map((p) => p.channel) : [])
  }
}

export function writeOutputs(workflow: Pick<Workflow, 'setOutput'>, report: RunReport, secrets: string[], extra: Record<string, string>): void {
  for (const [name, value] of Object.entries({ ...outputsFor(report), ...extra })) workflow.setOutput(name, redact(value, secrets))
}
