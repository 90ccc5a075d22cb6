import { errorMessage } from '../errors.js'
import type { Backend } from '../registry/types.js'
import { channelFromBranch, type Target } from '../target.js'
import type { BundleFile } from './pack.js'

export interface FileChange {
  path: string
  kind: 'added' | 'removed' | 'changed'
  /** Size now; 0 for a removed file. */
  size: number
  /** Size now minus size before. */
  delta: number
}

interface SizeChange {
  before: number
  after: number
}

/** This bundle against the one a channel's devices run now, or why there is nothing to compare. */
export type BundleComparison =
  | {
      kind: 'compared'
      channel: string
      version: string
      /** Biggest size change first. */
      changes: FileChange[]
      unchanged: number
      /** Sum of the files' sizes, as a device unpacks them. */
      content: SizeChange
      /** The zip a device downloads. */
      archive: SizeChange
    }
  | { kind: 'none'; reason: string }

export function diffFiles(before: BundleFile[], after: BundleFile[]): { changes: FileChange[]; unchanged: number } {
  const old = new Map(before.map((file) => [file.path, file]))
  const changes: FileChange[] = []
  let unchanged = 0
  for (const file of after) {
    const previous = old.get(file.path)
    old.delete(file.path)
    if (!previous) changes.push({ path: file.path, kind: 'added', size: file.size, delta: file.size })
    else if (previous.sha256 !== file.sha256) changes.push({ path: file.path, kind: 'changed', size: file.size, delta: file.size - previous.size })
    else unchanged++
  }
  for (const file of old.values()) changes.push({ path: file.path, kind: 'removed', size: 0, delta: -file.size })
  changes.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.path.localeCompare(b.path))
  return { changes, unchanged }
}

/**
 * The channels whose devices a change reaches, in order of preference: a pull request
 * will reach production's devices (or the base branch's, when production has none);
 * anything else replaces what its own channel runs.
 */
export function comparisonChannels(target: Target): string[] {
  if (!target.pullRequest) return [target.channel]
  const base = target.pullRequest.baseRef ? channelFromBranch(target.pullRequest.baseRef) : undefined
  return [...new Set(['production', ...(base ? [base] : [])])]
}

const sum = (files: BundleFile[]) => files.reduce((total, file) => total + file.size, 0)

/**
 * Reads the first of the channels that has a bundle, and compares its file list with this
 * bundle's. A registry that cannot be read here costs the comparison, never the publish.
 */
export async function compareWithChannel(
  backend: Pick<Backend, 'name' | 'readPointer' | 'readManifest'>,
  appId: string,
  channels: string[],
  bundle: { files: BundleFile[]; size: number }
): Promise<BundleComparison> {
  try {
    return await readAndCompare(backend, appId, channels, bundle)
  } catch (error) {
    return { kind: 'none', reason: `the registry could not be read (${errorMessage(error).replace(/\.$/, '')})` }
  }
}

async function readAndCompare(
  backend: Pick<Backend, 'name' | 'readPointer' | 'readManifest'>,
  appId: string,
  channels: string[],
  bundle: { files: BundleFile[]; size: number }
): Promise<BundleComparison> {
  for (const channel of channels) {
    const pointer = await backend.readPointer(appId, channel)
    if (!pointer) continue
    const manifest = await backend.readManifest(appId, pointer.version)
    if (!manifest?.files) return { kind: 'none', reason: `the manifest of ${pointer.version} on ${channel} has no file list` }
    return {
      kind: 'compared',
      channel,
      version: pointer.version,
      ...diffFiles(manifest.files, bundle.files),
      content: { before: sum(manifest.files), after: sum(bundle.files) },
      archive: { before: pointer.size, after: bundle.size }
    }
  }
  if (backend.name === 'capgo') return { kind: 'none', reason: 'the capgo backend does not read channels back' }
  const reason = channels.length === 1 ? `${channels[0]} has no bundle yet` : `neither ${channels.join(' nor ')} has a bundle yet`
  return { kind: 'none', reason }
}

/** The Compare stage's line in the log. */
export function describeComparison(comparison: BundleComparison): string {
  if (comparison.kind === 'none') return `nothing to compare with: ${comparison.reason}`
  const { changes, unchanged, archive } = comparison
  return `against ${comparison.channel} ${comparison.version}: ${changes.length} file(s) changed, ${unchanged} unchanged, archive ${archive.before} → ${archive.after} bytes`
}
