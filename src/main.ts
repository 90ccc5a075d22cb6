import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createBackend, type BackendContext } from './backends/index.js'
import { packWebDir, type PackedBundle } from './bundle/pack.js'
import { parseSigningKey } from './bundle/sign.js'
import { readEventContext, runUrl, type EventContext } from './context.js'
import { gitAt, type GitPort } from './eligibility/git.js'
import { errorMessage, UserError } from './errors.js'
import { githubCommentsApi } from './github/comments-api.js'
import { githubDeploymentsApi } from './github/deployments-api.js'
import { recordDeployment, type DeploymentsApiFactory } from './github/deployments.js'
import { postPreviewComment, type CommentsApiFactory } from './github/preview-comment.js'
import { githubPullRequestsApi, type PullRequestsApiFactory } from './github/pull-requests-api.js'
import { buildSummary } from './github/summary.js'
import { getInputs, inputReader, type Inputs, type Mode } from './inputs.js'
import { packMode } from './modes/pack.js'
import { publishPackedMode } from './modes/publish-packed.js'
import { promoteMode, rollbackMode, rolloutMode } from './modes/channel-moves.js'
import { pruneMode } from './modes/prune.js'
import type { ModeRun } from './modes/types.js'
import { writeOutputs } from './outputs.js'
import { execRunner, type CommandRunner } from './command-runner.js'
import { appIdOf, buildAndCheck, describeTarget, openBackend, removePreview, signAndPublish, unreachableBundleWarning } from './pipeline.js'
import { readProject } from './project.js'
import type { Backend } from './registry/types.js'
import type { Outcome, RunReport } from './report.js'
import { redact, secretValues } from './redact.js'
import { formatBytes, StageLog } from './stages.js'
import { nothingToPublish, resolveTarget } from './target.js'
import { actionsWorkflow, type Workflow } from './workflow.js'
import type { S3Tuning } from './backends/s3.js'

/** The ports the stages reach the world through (docs/architecture.md); tests hand in their own. */
export interface Services {
  /** The step's environment: INPUT_* inputs, GITHUB_* facts, and what child processes inherit. */
  env: NodeJS.ProcessEnv
  /** The step's working folder: relative inputs (working-directory, registry-path) start here. */
  cwd: string
  workflow: Workflow
  runner: CommandRunner
  git: (dir: string) => GitPort
  createBackend: (inputs: Inputs, context: BackendContext) => Backend
  commentsApi: CommentsApiFactory
  pullRequestsApi: PullRequestsApiFactory
  deploymentsApi: DeploymentsApiFactory
  /** Retry and multipart sizes of the S3 backend; undefined keeps the defaults. */
  s3?: S3Tuning
}

/** The real ports: the step's environment and folder (index.ts hands in the process's), @actions/core, processes, git, S3 and GitHub. */
export const actionServices = (env: NodeJS.ProcessEnv, cwd: string): Services => ({
  env,
  cwd,
  workflow: actionsWorkflow,
  runner: execRunner(),
  git: (dir) => gitAt(dir, env),
  createBackend,
  commentsApi: githubCommentsApi,
  pullRequestsApi: githubPullRequestsApi,
  deploymentsApi: githubDeploymentsApi
})

/** The main path: target, build, eligibility, pack, publish. Returns what happened. */
async function publishPath(inputs: Inputs, ctx: EventContext, services: Services, stages: StageLog, report: RunReport, workDir: () => Promise<string>): Promise<Outcome> {
  // A bad key fails here, before anything is built or written.
  const signingKey = inputs.signingKey ? parseSigningKey(inputs.signingKey) : undefined
  const idle = nothingToPublish(ctx)
  if (idle) return { kind: 'skipped', reason: idle }
  const project = readProject(resolve(services.cwd, inputs.workingDirectory))
  const target = await stages.run('Target', async () => resolveTarget(ctx, inputs, project.packageJson?.version), describeTarget)
  report.target = target
  if (ctx.eventName === 'pull_request_target' && target.pullRequest?.fromFork) {
    services.workflow.warning('This pull_request_target run has the repository\'s secrets while the pull request comes from a fork: build only trusted code (the base branch) before this step, or use pull_request (see SECURITY.md).')
  }
  const appId = appIdOf(inputs, project)
  report.appId = appId
  if (target.kind === 'publish' && target.pullRequest?.fromFork) {
    return { kind: 'skipped', reason: `pull request #${target.pullRequest.number} comes from a fork, whose runs get no secrets and whose code is not trusted to publish; preview forks with mode pack here and mode publish-packed in a workflow_run workflow (README: Previews of pull requests from forks)` }
  }
  const opened = await openBackend(inputs, services, project, report)
  if ('kind' in opened) return opened
  const backend = opened
  if (target.kind === 'cleanup') return removePreview(backend, stages, appId, target)

  const checked = await buildAndCheck(inputs, project, target, services, stages, report, async () => {
    const pointer = await backend.readPointer(appId, target.channel)
    if (!pointer) return undefined
    const manifest = await backend.readManifest(appId, pointer.version)
    return { version: pointer.version, sources: manifest?.nativeSources }
  })
  if ('kind' in checked) return checked
  const { webDir, verdict } = checked

  const bundle: PackedBundle = await stages.run('Pack', async () => packWebDir(webDir, join(await workDir(), 'bundle.zip')), (b) =>
    `${b.files.length} files, ${formatBytes(b.size)}, sha256 ${b.checksum}`)
  const reopensChannel = ctx.payload.action === 'reopened' && Boolean(target.pullRequest)
  return signAndPublish(backend, stages, report, { appId, target, bundle, verdict, webDir, signingKey, reopensChannel, previewUrl: inputs.previewUrl, rollout: inputs.rollout && 'percent' in inputs.rollout ? inputs.rollout.percent : undefined })
}

/** One entry per value of the mode input. */
const MODES: Record<Mode, ModeRun> = {
  publish: (m) => publishPath(m.inputs, m.ctx, m.services, m.stages, m.report, m.workDir),
  pack: packMode,
  'publish-packed': publishPackedMode,
  promote: promoteMode,
  rollback: rollbackMode,
  rollout: rolloutMode,
  prune: pruneMode
}

async function writeReport(services: Services, report: RunReport, secrets: string[], extra: Record<string, string>): Promise<void> {
  writeOutputs(services.workflow, report, secrets, extra)
  if (services.env.GITHUB_STEP_SUMMARY) await services.workflow.appendSummary(redact(buildSummary(report), secrets))
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
    report.outcome = await MODES[inputs.mode]({ inputs, ctx, services, stages, report, workDir })
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
