import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hasCommand, MB, median, runProcess, type Row } from './measure.js'

export interface PackOutcome {
  rows: Row[]
  /** The action's archive, for the publish stage. */
  archivePath: string
  checksum: string
  size: number
}

interface ChildReport {
  ms: number
  cpuMs: number
  maxRssBytes: number
  checksum: string
  size: number
  files: number
}

const PACK_CHILD = fileURLToPath(new URL('./pack-child.js', import.meta.url))
const RSS_TARGET_BYTES = 150 * MB
const RSS_TARGET_BUNDLE_BYTES = 1024 * MB
const TIME_TARGET_RATIO = 0.45
const CORES_TARGET = 1.6

async function packWithAction(webDir: string, archivePath: string): Promise<ChildReport> {
  await rm(archivePath, { force: true })
  const run = await runProcess(process.execPath, [PACK_CHILD, webDir, archivePath])
  if (run.code !== 0) throw new Error(`The action's pack failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as ChildReport
}

/** `zip -qrX` then `sha256sum`: what a workflow without the action would run. */
async function packWithZip(webDir: string, archivePath: string): Promise<{ ms: number; maxRssBytes?: number; size: number }> {
  await rm(archivePath, { force: true })
  const zip = await runProcess('zip', ['-qrX', archivePath, '.'], { cwd: webDir, measureRss: true })
  if (zip.code !== 0) throw new Error(`zip failed: ${zip.stderr}`)
  const sum = await runProcess('sha256sum', [archivePath])
  if (sum.code !== 0) throw new Error(`sha256sum failed: ${sum.stderr}`)
  return { ms: zip.ms + sum.ms, maxRssBytes: zip.maxRssBytes, size: (await stat(archivePath)).size }
}

/** Pack + sha256 of the web dir by the action and by zip + sha256sum, runs interleaved. */
export async function benchPack(webDir: string, workDir: string, bundleBytes: number, runs: number): Promise<PackOutcome> {
  const archivePath = join(workDir, 'action.zip')
  const baselineAvailable = (await hasCommand('zip')) && (await hasCommand('sha256sum'))
  const ours: ChildReport[] = []
  const theirs: Awaited<ReturnType<typeof packWithZip>>[] = []
  for (let run = 0; run < runs; run++) {
    if (baselineAvailable) theirs.push(await packWithZip(webDir, join(workDir, 'zip.zip')))
    ours.push(await packWithAction(webDir, archivePath))
  }
  await rm(join(workDir, 'zip.zip'), { force: true })

  const ms = median(ours.map((r) => r.ms))
  const baselineMs = baselineAvailable ? median(theirs.map((r) => r.ms)) : null
  const ratio = baselineMs ? ms / baselineMs : null
  const rss = Math.max(...ours.map((r) => r.maxRssBytes))
  const zipRss = theirs.find((r) => r.maxRssBytes)?.maxRssBytes ?? null
  const last = ours[ours.length - 1]
  const atTargetSize = bundleBytes >= RSS_TARGET_BUNDLE_BYTES
  const unavailable = baselineAvailable ? undefined : 'zip or sha256sum is not installed: baseline unavailable'
  const rows: Row[] = [
    {
      stage: 'pack', measure: `pack + sha256, ${(bundleBytes / MB).toFixed(0)} MB`, unit: 'ms', action: ms, baseline: baselineMs, ratio,
      target: `≤ ${TIME_TARGET_RATIO} × zip -qrX + sha256sum`, met: ratio === null ? undefined : ratio <= TIME_TARGET_RATIO, note: unavailable
    },
    {
      stage: 'pack', measure: 'CPU time / wall time', unit: '×', action: median(ours.map((r) => r.cpuMs / r.ms)), baseline: null, ratio: null,
      target: `≥ ${CORES_TARGET} on 2 cores`, met: median(ours.map((r) => r.cpuMs / r.ms)) >= CORES_TARGET, note: 'every thread of the pack process'
    },
    {
      stage: 'pack', measure: 'archive size', unit: 'MB', action: last.size / MB, baseline: theirs.length ? theirs[0].size / MB : null,
      ratio: theirs.length ? last.size / theirs[0].size : null, target: '', note: `${last.files} files, ${(bundleBytes / MB).toFixed(0)} MB before compression`
    },
    {
      stage: 'pack', measure: `peak RSS, ${(bundleBytes / MB).toFixed(0)} MB bundle`, unit: 'MB', action: rss / MB, baseline: zipRss === null ? null : zipRss / MB,
      ratio: zipRss ? rss / zipRss : null, target: atTargetSize ? '< 150 MB with a 1 GB bundle' : '',
      met: atTargetSize ? rss < RSS_TARGET_BYTES : undefined,
      note: atTargetSize ? undefined : 'the target is for a 1 GB bundle (--rss-mb)'
    }
  ]
  return { rows, archivePath, checksum: last.checksum, size: last.size }
}

/** The peak RSS of the action's pack of a bundle of the RSS target's size (1 GB): memory must not grow with the bundle. */
export async function benchPackRss(webDir: string, workDir: string, bundleBytes: number): Promise<Row> {
  const archivePath = join(workDir, 'rss.zip')
  const report = await packWithAction(webDir, archivePath)
  await rm(archivePath, { force: true })
  return {
    stage: 'pack', measure: `peak RSS, ${(bundleBytes / MB).toFixed(0)} MB bundle`, unit: 'MB', action: report.maxRssBytes / MB, baseline: null, ratio: null,
    target: '< 150 MB with a 1 GB bundle', met: bundleBytes >= RSS_TARGET_BUNDLE_BYTES ? report.maxRssBytes < RSS_TARGET_BYTES : undefined,
    note: `${report.files} files; the pack alone, in its own process, ${(report.ms / 1000).toFixed(1)} s`
  }
}
