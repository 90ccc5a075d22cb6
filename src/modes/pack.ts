import { join, relative, resolve } from 'node:path'
import { packWebDir } from '../bundle/pack.js'
import { UserError } from '../errors.js'
import { buildAndCheck, describeTarget } from '../pipeline.js'
import { readProject } from '../project.js'
import { formatBytes } from '../stages.js'
import { resolveTarget } from '../target.js'
import { ARTIFACT_BUNDLE, ARTIFACT_FORMAT, emptyArtifactFolder, refuseChannelAndVersion, writeMetadata, type PackMetadata } from './artifact.js'
import type { ModeRun } from './types.js'

/**
 * mode: pack, in a pull request's own run (a fork's has no secrets): build, check and pack
 * into the artifact folder, with no backend. publish-packed publishes it from a trusted run.
 */
export const packMode: ModeRun = async ({ inputs, ctx, services, stages, report }) => {
  if (ctx.eventName !== 'pull_request') {
    throw new UserError(`Mode pack runs in the pull_request workflow of fork previews, and this is a ${ctx.eventName} run: trigger that workflow with on: pull_request, or use mode publish here.`)
  }
  refuseChannelAndVersion(inputs)
  const project = readProject(resolve(services.cwd, inputs.workingDirectory))
  const target = await stages.run('Target', async () => resolveTarget(ctx, {}, project.packageJson?.version), describeTarget)
  report.target = target
  const pullRequest = target.pullRequest!
  const folder = resolve(services.cwd, inputs.artifactPath)
  const shown = relative(services.cwd, folder) || '.'
  await emptyArtifactFolder(folder)
  const metadata: PackMetadata = {
    format: ARTIFACT_FORMAT,
    pullRequest: pullRequest.number,
    headSha: pullRequest.headSha,
    action: String(ctx.payload.action ?? ''),
    closed: target.kind === 'cleanup',
    packedAt: new Date().toISOString()
  }
  if (target.kind === 'cleanup') {
    await writeMetadata(folder, metadata)
    return { kind: 'skipped', reason: `pull request #${pullRequest.number} was closed: ${shown} tells the publish-packed run to remove its preview` }
  }

  const checked = await buildAndCheck(inputs, project, target, services, stages, report)
  const verdict = report.verdict!
  metadata.verdict = {
    eligible: verdict.eligible,
    reasons: verdict.reasons.map((r) => r.message),
    fingerprint: verdict.fingerprint,
    framework: verdict.framework,
    nativeSources: verdict.nativeSources
  }
  if ('kind' in checked) {
    await writeMetadata(folder, metadata)
    return checked
  }
  const bundle = await stages.run('Pack', () => packWebDir(checked.webDir, join(folder, ARTIFACT_BUNDLE)), (b) =>
    `${b.files.length} files, ${formatBytes(b.size)}, sha256 ${b.checksum}, into ${shown}`)
  metadata.bundle = { file: ARTIFACT_BUNDLE, checksum: bundle.checksum, size: bundle.size, fileCount: bundle.files.length }
  // Written last: a folder with metadata has its whole bundle.
  await writeMetadata(folder, metadata)
  return {
    kind: 'skipped',
    reason: `a pull request's own run does not publish; the bundle is packed in ${shown} for the trusted publish-packed run`,
    bundle: { size: bundle.size, checksum: bundle.checksum, fileCount: bundle.files.length }
  }
}
