import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBackend, type BackendContext } from './backends/index.js'
import type { S3Tuning } from './backends/s3.js'
import type { PackOptions } from './bundle/pack.js'
import { execRunner, type CommandRunner } from './command-runner.js'
import { readEventContext, runUrl, type EventContext } from './context.js'
import { gitAt, type GitPort } from './eligibility/git.js'
import { errorMessage, UserError } from './errors.js'
import { githubCommentsApi } from './github/comments-api.js'
import { githubDeploymentsApi } from './github/deployments-api.js'
import type { DeploymentsApiFactory } from './github/deployments.js'
import type { CommentsApiFactory } from './github/preview-comment.js'
import { isWebLink } from './github/preview-link.js'
import { githubPullRequestsApi, type PullRequestsApiFactory } from './github/pull-requests-api.js'
import { getInputs, inputReader, type Inputs, type Mode } from './inputs.js'
import type { ModeRun } from './modes/types.js'
import { writeOutputs } from './outputs.js'
import { redact, secretValues } from './redact.js'
import type { Backend } from './registry/types.js'
import type { Outcome, RunReport } from './report.js'
import { StageLog } from './stages.js'
import { runnerWorkflow, type Workflow } from './workflow.js'

/** The ports the stages reach the world through (docs/architecture.md); tests hand in their own. */
export interface Services {
  /** The step's environment: INPUT_* inputs, GITHUB_* facts, and what child processes inherit. */
  env: NodeJS.ProcessEnv
  /** The step's working folder: relative inputs (working-directory, registry-path) start here. */
  cwd: string
  workflow: Workflow
  runner: CommandRunner
  git: (dir: string) => GitPort
  createBackend: (inputs: Inputs, context: BackendContext) => Promise<Backend>
  commentsApi: CommentsApiFactory
  pullRequestsApi: PullRequestsApiFactory
  deploymentsApi: DeploymentsApiFactory
  /** Retry and multipart sizes of the S3 backend; undefined keeps the defaults. */
  s3?: S3Tuning
  /** Where a publish's pack prepares files (PackOptions.preparer); undefined chooses by the bundle's size. */
  pack?: Pick<PackOptions, 'preparer'>
}

/** The real ports: the step's environment and folder (index.ts hands in the process's), the runner's workflow commands, processes, git, S3 and GitHub. */
export const actionServices = (env: NodeJS.ProcessEnv, cwd: string): Services => ({
  env,
  cwd,
  workflow: runnerWorkflow(env),
  runner: execRunner(),
  git: (dir) => gitAt(dir, env),
  createBackend,
  commentsApi: githubCommentsApi,
  pullRequestsApi: githubPullRequestsApi,
  deploymentsApi: githubDeploymentsApi
})

/**
 * One entry per value of the mode input, each loaded by the run that takes it: a run
 * loads the parsers, the archive code and the backends of its own mode only, and a run
 * that fails on its inputs loads none of them (docs/architecture.md, Build).
 */
const MODES: Record<Mode, () => Promise<ModeRun>> = {
  publish: async () => (await import('./modes/publish.js')).publishMode,
  pack: async () => (await import('./modes/pack.js')).packMode,
  'publish-packed': async () => (await import('./modes/publish-packed.js')).publishPackedMode,
  promote: async () => (await import('./modes/channel-moves.js')).promoteMode,
  rollback: async () => (await import('./modes/channel-moves.js')).rollbackMode,
  rollout: async () => (await import('./modes/channel-moves.js')).rolloutMode,
  prune: async () => (await import('./modes/prune.js')).pruneMode
}

/**
 * A published pointer whose bundle URL no device can fetch: the folder registry without
 * public-url names file:// URLs on the runner. The publish stands; the step warns.
 */
function unreachableBundleWarning(outcome: Outcome): string | undefined {
  if (outcome.kind !== 'published' || isWebLink(outcome.result.bundleUrl)) return undefined
  return `The channel pointer names ${outcome.result.bundleUrl}, a file on this runner that no device can fetch: serve the registry folder (registry-path) over https, from a web server, a CDN or a bucket it is copied to, and set public-url to its address.`
}

async function writeReport(services: Services, report: RunReport, secrets: string[], extra: Record<string, string>): Promise<void> {
  writeOutputs(services.workflow, report, secrets, extra)
  if (!services.env.GITHUB_STEP_SUMMARY) return
  const { buildSummary } = await import('./github/summary.js')
  await services.workflow.appendSummary(redact(buildSummary(report), secrets))
}

export async function run(services: Services): Promise<void> {
  const { workflow } = services
  const stages = new StageLog(workflow)
  const report: RunReport = { backend: 'folder', outcome: { kind: 'failed', error: 'not started' }, timings: stages.timings }
  let tempDir: string | undefined
  const workDir = async (): Promise<string> =>
    (tempDir ??= await mkdtemp(join(services.env.RUNNER_TEMP || tmpdir(), 'live-update-')))
  let failure: unknown
  const secrets = secretValues(services.env)
  let inputs: Inputs | undefined
  let ctx: EventContext | undefined
  try {
    inputs = getInputs(inputReader(services.env), services.env, (value) => workflow.setSecret(value))
    report.backend = inputs.backend
    report.workingDirectory = inputs.workingDirectory
    report.updateEndpointUrl = inputs.updateEndpointUrl
    ctx = readEventContext(services.env)
    report.runUrl = runUrl(ctx)
    const runMode = await MODES[inputs.mode]()
    report.outcome = await runMode({ inputs, ctx, services, stages, report, workDir })
    const unreachable = unreachableBundleWarning(report.outcome)
    if (unreachable) {
      workflow.warning(unreachable)
      report.warnings = [...(report.warnings ?? []), unreachable]
    }
  } catch (error) {
    failure = error
    report.outcome = { kind: 'failed', error: redact(errorMessage(error), secrets) }
  }
  const extraOutputs: Record<string, string> = { 'comment-id': '' }
  // A pull request's own pack run has a read-only token: publish-packed reports to the pull request instead.
  if (inputs && ctx && report.target && inputs.mode !== 'pack') {
    const [{ recordDeployment }, { postPreviewComment }] = await Promise.all([import('./github/deployments.js'), import('./github/preview-comment.js')])
    await recordDeployment(report, inputs, ctx, services.deploymentsApi, workflow)
    const comment = await postPreviewComment(report, inputs, ctx, services.commentsApi, (text) => redact(text, secrets), workflow)
    if (comment.kind === 'created' || comment.kind === 'updated') extraOutputs['comment-id'] = String(comment.id)
  }
  try {
    await writeReport(services, report, secrets, extraOutputs)
  } catch (error) {
    workflow.warning(`The outputs or job summary could not be written: ${errorMessage(error)}`)
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true })
  }
  if (failure !== undefined) {
    if (!(failure instanceof UserError) && failure instanceof Error && failure.stack) workflow.info(redact(failure.stack, secrets))
    workflow.setFailed(redact(errorMessage(failure), secrets))
  } else if (report.outcome.kind === 'skipped') {
    workflow.notice(`Nothing was published: ${report.outcome.reason}.`)
  }
}
