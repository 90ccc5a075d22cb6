import { join, resolve } from 'node:path'
import { comparisonChannels } from '../bundle/diff.js'
import { packWebDir, type PackedBundle, type PackOptions } from '../bundle/pack.js'
import { readReusable, type PreviousBundle } from '../bundle/reuse.js'
import { parseSigningKey } from '../bundle/sign.js'
import { rolloutPercent } from '../inputs.js'
import { appIdOf, buildWebDir, checkWebDir, describeTarget, openBackend, removePreview, signAndPublish } from '../pipeline.js'
import { readProject } from '../project.js'
import { formatBytes } from '../stages.js'
import { nothingToPublish, resolveTarget } from '../target.js'
import type { ModeRun } from './types.js'

/** The main path: target, build, eligibility, pack, publish. Returns what happened. */
export const publishMode: ModeRun = async ({ inputs, ctx, services, stages, report, workDir }) => {
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
  // Reads only: they run beside the build, the check and the pack.
  const prefetched = backend.prefetchPublish?.(appId, [target.channel, ...comparisonChannels(target)], await workDir())

  const webDir = await buildWebDir(inputs, project, services, stages)
  // The pack is local and runs beside the check; nothing is sent before the verdict allows it.
  const packing = packBeside(webDir, join(await workDir(), 'bundle.zip'), { md5: backend.sendsContentMd5, reuse: prefetched?.readPreviousBundle, preparer: services.pack?.preparer })
  const checked = await checkWebDir(inputs, project, target, services, stages, report, webDir, async () => {
    // The prefetched release, else read again: a read that failed early fails the check here, with its message.
    const current = await prefetched?.current
    if (current) return { version: current.pointer.version, sources: current.manifest.nativeSources }
    const pointer = await backend.readPointer(appId, target.channel)
    if (!pointer) return undefined
    const manifest = await backend.readManifest(appId, pointer.version)
    return { version: pointer.version, sources: manifest?.nativeSources }
  }).catch(async (error: unknown) => {
    await packing.cancel()
    throw error
  })
  if ('kind' in checked) {
    await packing.cancel()
    return checked
  }
  const { verdict } = checked

  const bundle: PackedBundle = await stages.run('Pack', () => packing.bundle, (b) =>
    `${b.files.length} files, ${formatBytes(b.size)}, sha256 ${b.checksum}${describeReuse(b.reuse)}`, packing.started)
  const reopensChannel = ctx.payload.action === 'reopened' && Boolean(target.pullRequest)
  return signAndPublish(backend, stages, report, { appId, target, bundle, verdict, webDir, signingKey, reopensChannel, previewUrl: inputs.previewUrl, rollout: rolloutPercent(inputs), prefetched })
}

function describeReuse(reuse: PackedBundle['reuse']): string {
  if (!reuse) return ''
  return reuse.kind === 'taken'
    ? `; ${reuse.entries} deflated entries taken from the base release's bundle`
    : '; the base release\'s bundle did not check out against its manifest once read, so it was packed again without it'
}

/** A pack started now, awaited by the Pack stage, or cancelled (its archive removed) when the check refuses or fails. */
function packBeside(
  webDir: string,
  archivePath: string,
  { md5, reuse, preparer }: Pick<PackOptions, 'md5' | 'preparer'> & { reuse?: (signal: AbortSignal) => Promise<PreviousBundle | undefined> }
): { bundle: Promise<PackedBundle>; started: number; cancel(): Promise<void> } {
  const started = performance.now()
  const controller = new AbortController()
  // The base release's bundle, when the backend can read it: the entries of unchanged files are taken from it.
  const reusable = reuse && (() => reuse(controller.signal).then((previous) => previous && readReusable(previous)).catch(() => undefined))
  const bundle = packWebDir(webDir, archivePath, { signal: controller.signal, md5, reuse: reusable, preparer })
  // Awaited by the Pack stage or by cancel; this only keeps a failure meanwhile from being "unhandled".
  bundle.catch(() => undefined)
  return {
    bundle,
    started,
    async cancel() {
      controller.abort()
      await bundle.catch(() => undefined)
    }
  }
}
