import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { packWebDir } from '../bundle/pack.js'
import { parseSigningKey } from '../bundle/sign.js'
import { unpackArchive } from '../bundle/unpack.js'
import { scanBundle } from '../eligibility/scan.js'
import type { Verdict } from '../eligibility/index.js'
import { UserError } from '../errors.js'
import type { PullRequestRecord } from '../github/pull-requests-api.js'
import { applyNativeChangePolicy, appIdOf, describeTarget, openBackend, removePreview, signAndPublish } from '../pipeline.js'
import { readProject } from '../project.js'
import type { Outcome } from '../report.js'
import { sha256OfFile } from '../sha256.js'
import { formatBytes } from '../stages.js'
import { previewVersion, type PullRequestInfo, type Target } from '../target.js'
import { ARTIFACT_BUNDLE, readMetadata, refuseChannelAndVersion, type PackMetadata } from './artifact.js'
import type { ModeContext, ModeRun } from './types.js'

/** The run that packed the artifact, as GitHub describes it in the workflow_run event (trusted). */
interface PackRun {
  id: number
  runNumber: number
  event: string
  conclusion: string | null
  headSha: string
  headBranch: string
  headOwner: string
  htmlUrl: string
}

function packRunOf({ ctx }: ModeContext): PackRun {
  const run = ctx.payload.workflow_run
  if (ctx.eventName !== 'workflow_run' || !run) {
    throw new UserError(`Mode publish-packed runs in a workflow triggered by on: workflow_run of the pack workflow, and this is a ${ctx.eventName} run: trigger this workflow with on: workflow_run.`)
  }
  return {
    id: Number(run.id),
    runNumber: Number(run.run_number),
    event: String(run.event),
    conclusion: run.conclusion ?? null,
    headSha: String(run.head_sha ?? ''),
    headBranch: String(run.head_branch ?? ''),
    headOwner: String(run.head_repository?.owner?.login ?? ''),
    htmlUrl: String(run.html_url ?? '')
  }
}

function pullRequestInfo(pr: PullRequestRecord, repository: string): PullRequestInfo {
  return {
    number: pr.number, headSha: pr.headSha, baseSha: pr.baseSha, baseRef: pr.baseRef,
    fromFork: pr.headRepository !== repository
  }
}

type Identified = { pullRequest: PullRequestRecord; current: boolean }

/**
 * The pull request the pack run built, from GitHub: the one whose head is the run's
 * head_sha (workflow_run.pull_requests is empty for forks). When its head has moved on
 * since, the pull request of the same fork branch the metadata names, marked not current.
 */
async function identify(mode: ModeContext, run: PackRun, claimed: number | undefined): Promise<Identified | { unknown: string; candidates: PullRequestRecord[] }> {
  const { inputs, ctx, services } = mode
  if (!inputs.githubToken) throw new UserError('Mode publish-packed asks GitHub which pull request the pack run built, and has no token: set github-token (the default, github.token, is enough).')
  const api = services.pullRequestsApi(inputs.githubToken, ctx.repository, ctx.apiUrl)
  const fromBranch = run.headOwner && run.headBranch ? await api.listByHead(run.headOwner, run.headBranch) : []
  const built = fromBranch.filter((pr) => pr.headSha === run.headSha)
  const named = built.find((pr) => pr.number === claimed) ?? (built.length === 1 && claimed === undefined ? built[0] : undefined)
  if (named) return { pullRequest: named, current: true }
  const moved = fromBranch.find((pr) => pr.number === claimed)
  if (built.length === 0 && moved) return { pullRequest: moved, current: false }
  const names = built.map((pr) => `#${pr.number}`).join(', ')
  return {
    unknown: built.length && claimed === undefined
      ? `Pull requests ${names} all have head ${run.headSha.slice(0, 7)}, and the artifact's metadata, which says which one the pack run built, cannot be read: nothing was published.`
      : built.length
      ? `The artifact's metadata names pull request #${claimed}, but the pack run built ${names} (head ${run.headSha.slice(0, 7)}): this artifact was altered or comes from another run, and nothing was published.`
      : `No pull request of ${ctx.repository} has head ${run.headSha.slice(0, 7)} on ${run.headOwner}:${run.headBranch}, which the pack run built: nothing was published.`,
    candidates: built
  }
}

/** The artifact's bundle, its checksum recomputed from the bytes, unpacked into a web dir of the run's own. */
async function unpackVerified(mode: ModeContext, folder: string, shown: string, metadata: PackMetadata): Promise<string> {
  const archive = join(folder, ARTIFACT_BUNDLE)
  const size = await stat(archive).then((s) => s.size, () => undefined)
  if (!metadata.bundle || size === undefined) {
    throw new UserError(`The artifact ${shown} has no ${ARTIFACT_BUNDLE}, though its pack run succeeded: upload the whole artifact-path folder with actions/upload-artifact; nothing was published.`)
  }
  const checksum = await sha256OfFile(archive)
  if (checksum !== metadata.bundle.checksum || size !== metadata.bundle.size) {
    throw new UserError(`The artifact's ${ARTIFACT_BUNDLE} is not the bundle its pack run made (sha256 ${checksum.slice(0, 12)}…, ${size} bytes; the metadata says ${metadata.bundle.checksum.slice(0, 12)}…, ${metadata.bundle.size} bytes): it was altered or cut short, and nothing was published.`)
  }
  const webDir = join(await mode.workDir(), 'web')
  await unpackArchive(archive, webDir, `The artifact's ${ARTIFACT_BUNDLE}`)
  if (!existsSync(join(webDir, 'index.html'))) {
    throw new UserError(`The artifact's ${ARTIFACT_BUNDLE} has no index.html at its root: it was not made by mode pack of this action; nothing was published.`)
  }
  return webDir
}

/** The pack run's verdict (reported, as the pull request's code computed it) joined with this run's own scan of the bytes. */
function verdictOf(reported: NonNullable<PackMetadata['verdict']>, scan: { message: string; file?: string }[]): Verdict {
  const reasons = [...reported.reasons.map((message) => ({ message })), ...scan]
  return {
    eligible: reported.eligible && reasons.length === 0,
    reasons,
    notes: ['the native check ran in the pull request\'s own run: its verdict is reported, not re-checked; the bundle scan ran here'],
    fingerprint: reported.fingerprint,
    nativeSources: reported.nativeSources,
    framework: reported.framework,
    baseline: { kind: 'pull-request-base', description: 'the pull request\'s base, as reported by its pack run' }
  }
}

/**
 * mode: publish-packed, in a trusted workflow_run run with the secrets: publishes what a
 * pull request's pack run packed, to pr-N. It builds nothing and runs nothing from the
 * artifact, whose metadata it checks against GitHub and whose bytes it hashes and scans.
 */
export const publishPackedMode: ModeRun = async (mode) => {
  const { inputs, ctx, services, stages, report } = mode
  refuseChannelAndVersion(inputs)
  if (inputs.backend === 'capgo') {
    throw new UserError('Mode publish-packed publishes to the folder and s3 backends; Capgo\'s CLI uploads a bundle it builds itself: preview fork pull requests with backend folder or s3.')
  }
  // A bad key fails here, before anything is read.
  const signingKey = inputs.signingKey ? parseSigningKey(inputs.signingKey) : undefined
  const run = packRunOf(mode)
  if (run.event !== 'pull_request') {
    throw new UserError(`The workflow run that triggered this one ran on ${run.event}, not pull_request: run publish-packed only for the pull_request workflow that packs (workflows: [...] and a check of github.event.workflow_run.event), nothing was published.`)
  }
  const project = readProject(resolve(services.cwd, inputs.workingDirectory))
  if (!project.packageJson) {
    throw new UserError(`Mode publish-packed takes the app id and version from the base branch's package.json, and ${project.dir} has none: check out this repository (not the pull request) with actions/checkout before this step.`)
  }
  const appId = appIdOf(inputs, project)
  report.appId = appId
  const folder = resolve(services.cwd, inputs.artifactPath)
  const shown = relative(services.cwd, folder) || '.'
  const metadata = await readMetadata(folder, shown)
  const claimed = 'unusable' in metadata ? undefined : metadata.pullRequest

  const found = await stages.run('Pull request', () => identify(mode, run, claimed), (r) =>
    'unknown' in r ? 'not identified' : `#${r.pullRequest.number} (${r.pullRequest.state}${r.current ? '' : `, moved on to ${r.pullRequest.headSha.slice(0, 7)}`}), packed by run ${run.id}`)
  if ('unknown' in found) {
    // The notice goes to the pull request GitHub names, never to one the artifact names.
    if (found.candidates.length === 1) report.target = targetFor(found.candidates[0], run, project.packageJson.version, ctx.repository)
    throw new UserError(found.unknown)
  }
  const { pullRequest, current } = found
  const target = targetFor(pullRequest, run, project.packageJson.version, ctx.repository)
  report.target = target
  services.workflow.info(`Target: ${describeTarget(target)}`)

  const opened = await openBackend(inputs, services, project, report)
  if ('kind' in opened) return opened
  // GitHub's word that the pull request is closed removes its preview, whatever the artifact holds.
  if (target.kind === 'cleanup') return removePreview(opened, stages, appId, target)
  return publishCurrent(mode, { run, current, pullRequest, metadata, folder, shown, target, appId, backend: opened, signingKey })
}

function targetFor(pr: PullRequestRecord, run: PackRun, packageVersion: string | undefined, repository: string): Target {
  const pullRequest = pullRequestInfo(pr, repository)
  const channel = `pr-${pr.number}`
  const origin = `pull request #${pr.number}, packed by run ${run.id}`
  if (pr.state === 'closed') return { kind: 'cleanup', channel, commit: run.headSha, origin: `${origin}, closed`, pullRequest }
  return { kind: 'publish', channel, version: previewVersion(packageVersion, pr.number, run.runNumber), commit: run.headSha, origin, pullRequest }
}

type PublishStep = {
  run: PackRun
  current: boolean
  pullRequest: PullRequestRecord
  metadata: PackMetadata | { unusable: string }
  folder: string
  shown: string
  target: Target & { kind: 'publish' }
  appId: string
  backend: Parameters<typeof signAndPublish>[0]
  signingKey?: ReturnType<typeof parseSigningKey>
}

async function publishCurrent(mode: ModeContext, step: PublishStep): Promise<Outcome> {
  const { inputs, services, stages, report } = mode
  const { run, pullRequest, target } = step
  if (run.conclusion !== 'success') {
    throw new UserError(`The pack run ${run.htmlUrl || run.id} of pull request #${pullRequest.number} ended ${run.conclusion ?? 'without a conclusion'}, not success: fix that run (its log says why), nothing was published.`)
  }
  if ('unusable' in step.metadata) throw new UserError(`The artifact cannot be read: ${step.metadata.unusable}; nothing was published.`)
  const metadata = step.metadata
  if (!step.current) {
    return { kind: 'skipped', reason: `pull request #${pullRequest.number} has moved on to ${pullRequest.headSha.slice(0, 7)} since run ${run.id} packed ${run.headSha.slice(0, 7)}; the newer commit's run publishes its preview` }
  }
  if (inputs.previewLabel && !pullRequest.labels.includes(inputs.previewLabel)) {
    const rerun = report.runUrl ? `re-run this workflow run (${report.runUrl})` : 're-run this workflow run'
    return { kind: 'skipped', reason: `previews of pull requests wait for a maintainer's approval: after reading the change, add the label "${inputs.previewLabel}" to pull request #${pullRequest.number}, then ${rerun} or push a new commit` }
  }
  if (!metadata.verdict || !metadata.bundle) {
    const why = metadata.verdict && !metadata.verdict.eligible ? `it needs a store release (${metadata.verdict.reasons.join('; ')})` : 'it packed no bundle'
    return { kind: 'skipped', reason: `the pack run of pull request #${pullRequest.number} says ${why}` }
  }
  const reported = metadata.verdict
  const webDir = await stages.run('Verify', () => unpackVerified(mode, step.folder, step.shown, metadata), () =>
    `sha256 ${metadata.bundle!.checksum} recomputed from the bytes; ${metadata.bundle!.fileCount} files unpacked`)
  const verdict = await stages.run('Scan', async () => verdictOf(reported, await scanBundle(webDir)), (v) =>
    v.eligible ? 'no native code in the bundle; eligible as the pack run reported' : `needs a store release (${v.reasons.length} reason(s))`)
  report.verdict = verdict
  const refusal = applyNativeChangePolicy(services.workflow, verdict, inputs.onNativeChange)
  if (refusal) return refusal
  const bundle = await stages.run('Pack', async () => packWebDir(webDir, join(await mode.workDir(), 'bundle.zip'), { md5: step.backend.sendsContentMd5 }), (b) =>
    `${b.files.length} files, ${formatBytes(b.size)}, sha256 ${b.checksum}${b.checksum === metadata.bundle!.checksum ? ' (the same bytes as the artifact)' : ''}`)
  // A reopened pull request may bring back the preview its closing removed; GitHub says it is open.
  const reopensChannel = metadata.action === 'reopened'
  return signAndPublish(step.backend, stages, report, { appId: step.appId, target, bundle, verdict, webDir, signingKey: step.signingKey, reopensChannel })
}
