import { resolve } from 'node:path'
import { resolveWebDir, runBuild } from './build.js'
import { compareWithChannel, comparisonChannels, describeComparison } from './bundle/diff.js'
import type { PackedBundle } from './bundle/pack.js'
import { signAndVerify, type SigningKey } from './bundle/sign.js'
import { checkEligibility, type ChannelBaseline, type Verdict } from './eligibility/index.js'
import { MissingCredentialsError, UserError } from './errors.js'
import { describePreview, makePreview } from './github/preview-link.js'
import type { Inputs } from './inputs.js'
import type { Services } from './main.js'
import { readProject, type Project } from './project.js'
import { checkNativeVersionBumped } from './registry/native-compatibility.js'
import type { Backend, PublishAttempt, PublishPrefetch, PublishRequest, StoredFiles } from './registry/types.js'
import type { Outcome, RunReport } from './report.js'
import type { StageLog } from './stages.js'
import type { Target } from './target.js'
import { checkSegment } from './validate.js'
import type { Workflow } from './workflow.js'

/* The stages the modes share: publish, pack and publish-packed each run some of them. */

export function appIdOf(inputs: Inputs, project: Project): string {
  const appId = inputs.appId ?? project.appId
  if (!appId) {
    throw new UserError(
      `No app id was found in ${project.dir} (no capacitor.config.* with appId, no config.xml): set the app-id input.`
    )
  }
  return checkSegment(inputs.appId ? 'app-id input' : `appId of ${project.configFile}`, appId, 'use a reverse-DNS id such as com.example.app')
}

export function describeTarget(target: Target): string {
  return target.kind === 'cleanup'
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

/** Build, eligibility check and the on-native-change policy: the web dir and verdict to pack, or why nothing ships. */
export async function buildAndCheck(
  inputs: Inputs, project: Project, target: Target & { kind: 'publish' }, services: Services, stages: StageLog, report: RunReport
): Promise<{ webDir: string; verdict: Verdict } | Outcome> {
  const webDir = await buildWebDir(inputs, project, services, stages)
  return checkWebDir(inputs, project, target, services, stages, report, webDir)
}

/** The Build stage: runs the build command, and finds the web dir. */
export async function buildWebDir(inputs: Inputs, project: Project, services: Services, stages: StageLog): Promise<string> {
  const built = await stages.run('Build', async () => {
    const build = await runBuild(project, inputs.buildCommand, services.runner, services.env)
    return { build, webDir: resolveWebDir(project, inputs.webDir, services.cwd) }
  }, ({ build, webDir }) => `${build.kind === 'built' ? `built with ${build.source}` : `skipped: ${build.reason}`}; web dir ${webDir}`)
  return built.webDir
}

/** The Eligibility stage and the on-native-change policy: the verdict, or why nothing ships. */
export async function checkWebDir(
  inputs: Inputs, project: Project, target: Target & { kind: 'publish' }, services: Services, stages: StageLog, report: RunReport, webDir: string,
  channelBaseline?: () => Promise<ChannelBaseline | undefined>
): Promise<{ webDir: string; verdict: Verdict } | Outcome> {
  const verdict = await stages.run('Eligibility', () => checkEligibility({
    projectDir: project.dir,
    webDir,
    nativeBaseline: inputs.nativeBaseline,
    jsOnlyPackages: inputs.jsOnlyPackages,
    pullRequestBase: target.pullRequest?.baseSha || undefined,
    git: services.git(project.dir),
    channelBaseline
  }), (v) =>
    `${v.eligible ? 'eligible as a live update' : `needs a store release (${v.reasons.length} reason(s))`}${describeNativeVersions(v)}`)
  report.verdict = verdict
  return applyNativeChangePolicy(services.workflow, verdict, inputs.onNativeChange) ?? { webDir, verdict }
}

function describeNativeVersions(verdict: Verdict): string {
  const read = Object.entries(verdict.native ?? {}).map(([platform, v]) => `${platform} ${v.name}${v.code ? ` (${v.code})` : ''}`)
  const unread = (verdict.unreadNativeVersions ?? []).map((u) => `${u.platform} not read from ${u.file}: ${u.why}`)
  const all = [...read, ...unread]
  return all.length ? `; native versions: ${all.join(', ')}` : ''
}

/** on-native-change: fail throws, skip returns why nothing ships, publish (or an eligible change) returns nothing. */
export function applyNativeChangePolicy(workflow: Workflow, verdict: Verdict, policy: Inputs['onNativeChange']): Outcome | undefined {
  if (verdict.eligible) return undefined
  annotate(workflow, verdict, policy === 'fail')
  const why = verdict.reasons.map((r) => r.message).join('; ')
  if (policy === 'fail') {
    throw new UserError(`This change needs a store release, not a live update (${why}): ship a new native build, or set on-native-change to skip or publish.`)
  }
  if (policy === 'skip') return { kind: 'skipped', reason: `the change needs a store release (${why}) and on-native-change is skip` }
  const unread = verdict.unreadNativeVersions?.[0]
  if (unread) {
    throw new UserError(`This change needs a store release and on-native-change is publish, but the ${unread.platform} app version in ${unread.file} cannot be read (${unread.why}), so devices on the old store build could not be told apart from the new one: write the version as a literal there, or set on-native-change to skip.`)
  }
  return undefined
}

/** What signAndPublish stores: a packed archive, where it goes, and the verdict it carries. */
interface PublishPlan {
  appId: string
  target: Target & { kind: 'publish' }
  bundle: PackedBundle
  verdict: Verdict
  webDir?: string
  signingKey?: SigningKey
  /** A reopened pull request may bring back the preview its closing removed. */
  reopensChannel: boolean
  /** The preview-url template: its link and QR code go in the comment. */
  previewUrl?: string
  /** A staged rollout's percentage (the rollout input). */
  rollout?: number
  /** What the backend read ahead (Backend.prefetchPublish). */
  prefetched?: PublishPrefetch
}

/** Compares the bundle with what the channel's devices run, signs it when a key is given, then stores it and moves the channel. */
export async function signAndPublish(backend: Backend, stages: StageLog, report: RunReport, plan: PublishPlan): Promise<Outcome> {
  const { appId, target, bundle, verdict, signingKey } = plan
  const summary = { size: bundle.size, checksum: bundle.checksum, fileCount: bundle.files.length }
  report.bundleComparison = await stages.run('Compare', () => compareWithChannel(backend, appId, comparisonChannels(target), bundle), describeComparison)
  const signed = signingKey
    ? await stages.run('Sign', () => signAndVerify(bundle.archivePath, signingKey), (s) => `${s.algorithm} signature verified with the derived public key`)
    : undefined
  if (signed) report.signing = { algorithm: signed.algorithm, publicKeyPem: signed.publicKeyPem }

  const native = verdict.native && Object.keys(verdict.native).length > 0 ? verdict.native : undefined
  if (!verdict.eligible) checkNativeVersionBumped(await backend.readPointer(appId, target.channel), verdict.fingerprint, native)
  const request: PublishRequest = {
    appId,
    channel: target.channel,
    version: target.version,
    archivePath: bundle.archivePath,
    webDir: plan.webDir,
    checksum: bundle.checksum,
    md5: bundle.md5,
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
      ...(native ? { native } : {}),
      files: bundle.files,
      nativeSources: verdict.nativeSources,
      eligibility: { eligible: verdict.eligible, reasons: verdict.reasons.map((r) => r.message), framework: verdict.framework }
    },
    reopensChannel: plan.reopensChannel,
    rollout: plan.rollout,
    prefetched: plan.prefetched
  }
  const result = await stages.run('Publish', () => backend.publish(request), describePublish(target.channel, target.version))
  if (result.kind === 'behind') return { kind: 'skipped', reason: behindReason(result.current.version, target.version, target.channel, result.bundleUrl), bundle: summary }
  if (result.kind === 'closed') return { kind: 'skipped', reason: `pull request #${target.pullRequest?.number ?? ''} is closed, so its preview channel ${target.channel} stays removed (reopening it publishes again)` }
  const { previewUrl } = plan
  if (previewUrl) report.preview = await stages.run('Preview link', () => makePreview(previewUrl, backend, appId, result.pointer), describePreview)
  return { kind: 'published', result, bundle: summary }
}

function behindReason(current: string, version: string, channel: string, bundleUrl: string): string {
  return `${channel} stays on ${current}, which is newer than ${version}: a publish moves a channel only forward (by semver), so ${version} was stored at ${bundleUrl} without moving the pointer; go back with an explicit rollback`
}

function describeFiles(files: StoredFiles | undefined): string {
  if (!files) return ''
  return `; files: ${files.uploaded} sent (${(files.uploadedBytes / 1024).toFixed(0)} KiB), ${files.alreadyStored} already in the registry`
}

function describePublish(channel: string, version: string): (result: PublishAttempt) => string {
  return (result) => {
    switch (result.kind) {
      case 'unchanged':
        return `${version} was already on ${channel}: nothing changed`
      case 'behind':
        return `${channel} stays on ${result.current.version}, newer than ${version}; the bundle is stored, the pointer did not move`
      case 'closed':
        return `the pull request was closed meanwhile: ${channel} stays removed`
      case 'published':
        return `${channel} → ${version} at ${result.bundleUrl}${result.pointer.rollout ? ` for ${result.pointer.rollout.percent} % of devices (the others keep ${result.pointer.rollout.replaces.version})` : ''}${describeFiles(result.files)}`
    }
  }
}

/** The backend the inputs name; without its credentials (a fork's run, a secret not set), why nothing is published. */
export async function openBackend(inputs: Inputs, services: Services, project: Project, report: RunReport): Promise<Backend | Outcome> {
  let backend: Backend
  try {
    backend = await services.createBackend(inputs, {
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
  // A backend with hosted channels (Capgo) rolls out through mode promote and mode rollout (src/modes/hosted-moves.ts).
  if (inputs.rollout && !backend.changeRollout && !(backend.hostedChannels && inputs.mode !== 'publish')) {
    throw new UserError(`A publish with the rollout input needs the update endpoint, which reads the folder and s3 registries, and the ${backend.name} backend keeps its own: remove the input, or publish to another channel and promote from it with the rollout input.`)
  }
  return backend
}

/** The working directory's app and its backend, for the modes that build nothing (release operations, prune). */
export async function openAppBackend(inputs: Inputs, services: Services, report: RunReport): Promise<{ backend: Backend; appId: string } | Outcome> {
  const project = readProject(resolve(services.cwd, inputs.workingDirectory))
  const appId = appIdOf(inputs, project)
  report.appId = appId
  const backend = await openBackend(inputs, services, project, report)
  return 'kind' in backend ? backend : { backend, appId }
}

/** A closed pull request's preview: its channel and bundles go. */
export async function removePreview(backend: Backend, stages: StageLog, appId: string, target: Target & { kind: 'cleanup' }): Promise<Outcome> {
  const removal = await stages.run('Cleanup', () => backend.removeChannel(appId, target.channel), (r) =>
    r.removedPointer ? `removed channel ${target.channel} and ${r.removedVersions.length} bundle(s)` : `channel ${target.channel} was not published; removed ${r.removedVersions.length} bundle(s)`)
  return { kind: 'removed', removal }
}
