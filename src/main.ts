import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createBackend, type BackendContext } from './backends/index.js'
import { resolveWebDir, runBuild } from './build.js'
import { packWebDir, type PackedBundle } from './bundle/pack.js'
import { compareWithChannel, comparisonChannels, describeComparison } from './bundle/diff.js'
import { parseSigningKey, signAndVerify } from './bundle/sign.js'
import { readEventContext, runUrl, type EventContext } from './context.js'
import { checkEligibility, type Verdict } from './eligibility/index.js'
import { gitAt, type GitPort } from './eligibility/git.js'
import { errorMessage, MissingCredentialsError, UserError } from './errors.js'
import { githubCommentsApi } from './github/comments-api.js'
import { githubDeploymentsApi } from './github/deployments-api.js'
import { recordDeployment, type DeploymentsApiFactory } from './github/deployments.js'
import { postPreviewComment, type CommentsApiFactory } from './github/preview-comment.js'
import { buildSummary } from './github/summary.js'
import { getInputs, inputReader, type Inputs } from './inputs.js'
import { writeOutputs } from './outputs.js'
import { execRunner, type CommandRunner } from './command-runner.js'
import { readProject, type Project } from './project.js'
import type { Backend, PublishAttempt, PublishRequest } from './registry/types.js'
import type { Outcome, RunReport } from './report.js'
import { redact, secretValues } from './redact.js'
import { formatBytes, StageLog } from './stages.js'
import { nothingToPublish, resolveTarget, type Target } from './target.js'
import { checkSegment } from './validate.js'
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
  deploymentsApi: DeploymentsApiFactory
  /** Retry and multipart sizes of the S3 backend; undefined keeps the defaults. */
  s3?: S3Tuning
}

/** The real ports: the runner's environment, @actions/core, processes, git, S3 and GitHub. */
export const actionServices = (): Services => ({
  env: process.env,
  cwd: process.cwd(),
  workflow: actionsWorkflow,
  runner: execRunner(),
  git: gitAt,
  createBackend,
  commentsApi: githubCommentsApi,
  deploymentsApi: githubDeploymentsApi
})

function appIdOf(inputs: Inputs, project: Project): string {
  const appId = inputs.appId ?? project.appId
  if (!appId) {
    throw new UserError(
      `No app id was found in ${project.dir} (no capacitor.config.* with appId, no config.xml): set the app-id input.`
    )
  }
  return checkSegment(inputs.appId ? 'app-id input' : `appId of ${project.configFile}`, appId, 'use a reverse-DNS id such as com.example.app')
}

function describeTarget(target: Target): string {
  return target.mode === 'cleanup'
    ? `remove channel ${target.channel} (${target.origin})`
    : `channel ${target.channel}, version ${target.version} (${target.origin})`
}

function annotate(workflow: Workflow, verdict: Verdict, blocking: boolean): void {
  for (const reason of verdict.reasons) {
    const properties = reason.file ? { file: reason.file, title: 'Needs a store release' } : { title: 'Needs a store release' }
    if (blocking) workflow.error(reason.message, properties)
    else workflow.warning(reason.message, properties)
  }
}

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
  if (target.mode === 'publish' && target.pullRequest?.fromFork) {
    return { kind: 'skipped', reason: `pull request #${target.pullRequest.number} comes from a fork, whose runs get no secrets and whose code is not trusted to publish; a maintainer can publish it from a branch of this repository` }
  }
  let backend: Backend
  try {
    backend = services.createBackend(inputs, {
      runner: services.runner,
      env: services.env,
      log: services.workflow,
      workspace: services.cwd,
      cwd: project.dir,
      runUrl: report.runUrl,
      s3: services.s3
    })
  } catch (error) {
    if (error instanceof MissingCredentialsError) return { kind: 'skipped', reason: error.message.replace(/\.$/, '') }
    throw error
  }
  report.backendLocation = backend.location

  if (target.mode === 'cleanup') {
    const removal = await stages.run('Cleanup', () => backend.removeChannel(appId, target.channel), (r) =>
      r.removedPointer ? `removed channel ${target.channel} and ${r.removedVersions.length} bundle(s)` : `channel ${target.channel} was not published; removed ${r.removedVersions.length} bundle(s)`)
    return { kind: 'removed', removal }
  }

  const webDir = await stages.run('Build', async () => {
    const build = await runBuild(project, inputs.buildCommand, services.runner, services.env)
    return { build, webDir: resolveWebDir(project, inputs.webDir, services.cwd) }
  }, ({ build, webDir }) => `${build.status === 'built' ? `built with ${build.source}` : `skipped: ${build.reason}`}; web dir ${webDir}`).then((r) => r.webDir)

  const verdict = await stages.run('Eligibility', () => checkEligibility({
    projectDir: project.dir,
    webDir,
    nativeBaseline: inputs.nativeBaseline,
    pullRequestBase: target.pullRequest?.baseSha || undefined,
    git: services.git(project.dir),
    channelBaseline: async () => {
      const pointer = await backend.readPointer(appId, target.channel)
      if (!pointer) return undefined
      const manifest = await backend.readManifest(appId, pointer.version)
      return { version: pointer.version, sources: manifest?.nativeSources }
    }
  }), (v) =>
    v.eligible ? 'eligible as a live update' : `needs a store release (${v.reasons.length} reason(s))`)
  report.verdict = verdict
  if (!verdict.eligible) {
    annotate(services.workflow, verdict, inputs.onNativeChange === 'fail')
    const why = verdict.reasons.map((r) => r.message).join('; ')
    if (inputs.onNativeChange === 'fail') {
      throw new UserError(`This change needs a store release, not a live update (${why}): ship a new native build, or set on-native-change to skip or publish.`)
    }
    if (inputs.onNativeChange === 'skip') return { kind: 'skipped', reason: `the change needs a store release (${why}) and on-native-change is skip` }
  }

  const bundle: PackedBundle = await stages.run('Pack', async () => packWebDir(webDir, join(await workDir(), 'bundle.zip')), (b) =>
    `${b.files.length} files, ${formatBytes(b.size)}, sha256 ${b.checksum}`)
  const summary = { size: bundle.size, checksum: bundle.checksum, fileCount: bundle.files.length }
  report.bundleComparison = await stages.run('Compare', () => compareWithChannel(backend, appId, comparisonChannels(target), bundle), describeComparison)
  const signed = signingKey
    ? await stages.run('Sign', () => signAndVerify(bundle.archivePath, signingKey), (s) => `${s.algorithm} signature verified with the derived public key`)
    : undefined
  if (signed) report.signing = { algorithm: signed.algorithm, publicKeyPem: signed.publicKeyPem }

  const request: PublishRequest = {
    appId,
    channel: target.channel,
    version: target.version,
    archivePath: bundle.archivePath,
    webDir,
    checksum: bundle.checksum,
    size: bundle.size,
    manifest: {
      appId,
      version: target.version,
      channel: target.channel,
      checksum: bundle.checksum,
      size: bundle.size,
      nativeFingerprint: verdict.fingerprint,
      publishedAt: new Date().toISOString(),
      commit: target.commit,
      ...(signed ? { signature: signed.signature } : {}),
      files: bundle.files,
      nativeSources: verdict.nativeSources,
      eligibility: { eligible: verdict.eligible, reasons: verdict.reasons.map((r) => r.message), framework: verdict.framework }
    }
  }
  request.reopensChannel = ctx.payload.action === 'reopened' && Boolean(target.pullRequest)
  const result = await stages.run('Publish', () => backend.publish(request), describePublish(target.channel, target.version))
  if (result.status === 'behind') return { kind: 'skipped', reason: behindReason(result.current.version, target.version, target.channel, result.bundleUrl), bundle: summary }
  if (result.status === 'closed') return { kind: 'skipped', reason: `pull request #${target.pullRequest?.number ?? ''} was closed while this run published, so its preview channel ${target.channel} stays removed` }
  return { kind: 'published', result, bundle: summary }
}

function behindReason(current: string, version: string, channel: string, bundleUrl: string): string {
  return `${channel} stays on ${current}, which is newer than ${version}: a publish moves a channel only forward (by semver), so ${version} was stored at ${bundleUrl} without moving the pointer; go back with an explicit rollback`
}

function describePublish(channel: string, version: string): (result: PublishAttempt) => string {
  return (result) => {
    switch (result.status) {
      case 'unchanged':
        return `${version} was already on ${channel}: nothing changed`
      case 'behind':
        return `${channel} stays on ${result.current.version}, newer than ${version}; the bundle is stored, the pointer did not move`
      case 'closed':
        return `the pull request was closed meanwhile: ${channel} stays removed`
      case 'published':
        return `${channel} → ${version} at ${result.bundleUrl}`
    }
  }
}

async function writeReport(services: Services, report: RunReport, secrets: string[], extra: Record<string, string>): Promise<void> {
  writeOutputs(services.workflow, report, secrets, extra)
  if (services.env.GITHUB_STEP_SUMMARY) await services.workflow.appendSummary(redact(buildSummary(report), secrets))
}

export async function run(services: Services = actionServices()): Promise<void> {
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
    ctx = readEventContext(services.env)
    report.runUrl = runUrl(ctx)
    report.outcome = await publishPath(inputs, ctx, services, stages, report, workDir)
  } catch (error) {
    failure = error
    report.outcome = { kind: 'failed', error: redact(errorMessage(error), secrets) }
  }
  const extraOutputs: Record<string, string> = { 'comment-id': '' }
  if (inputs && ctx && report.target) {
    await recordDeployment(report, inputs, ctx, services.deploymentsApi, workflow)
    const comment = await postPreviewComment(report, inputs, ctx, services.commentsApi, (text) => redact(text, secrets), workflow)
    if (comment.status === 'created' || comment.status === 'updated') extraOutputs['comment-id'] = String(comment.id)
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
