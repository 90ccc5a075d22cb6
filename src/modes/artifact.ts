import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UserError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import type { NativeSource } from '../registry/types.js'

/**
 * The folder a pull request's pack run hands to the trusted publish-packed run, through a
 * workflow artifact. Everything in it was made by the pull request's code: publish-packed
 * reads it as untrusted data.
 */
export const ARTIFACT_METADATA = 'live-update-pack.json'
export const ARTIFACT_BUNDLE = 'bundle.zip'
export const ARTIFACT_FORMAT = 'live-update-pack/1'

export interface PackedVerdict {
  eligible: boolean
  reasons: string[]
  fingerprint: string
  framework: string
  nativeSources: NativeSource[]
}

export interface PackMetadata {
  format: typeof ARTIFACT_FORMAT
  pullRequest: number
  headSha: string
  /** The pull request was closed: there is no bundle, publish-packed removes the preview. */
  closed: boolean
  verdict?: PackedVerdict
  /** Absent when nothing was packed (closed, or on-native-change: skip). */
  bundle?: { file: typeof ARTIFACT_BUNDLE; checksum: string; size: number; fileCount: number }
  packedAt: string
}

/** Only the action decides the channel (pr-N) and the version of a pull request's preview. */
export function refuseChannelAndVersion(inputs: Inputs): void {
  const given = [inputs.channel && 'channel', inputs.version && 'version'].filter(Boolean)
  if (given.length) {
    throw new UserError(`The ${given.join(' and ')} input${given.length > 1 ? 's are' : ' is'} not used by mode ${inputs.mode}, which derives the preview's channel and version itself: remove ${given.length > 1 ? 'them' : 'it'} from this step.`)
  }
}

/** An empty artifact folder: files left by an earlier step must not travel with this run's bundle. */
export async function emptyArtifactFolder(folder: string): Promise<void> {
  await rm(join(folder, ARTIFACT_BUNDLE), { force: true })
  await rm(join(folder, ARTIFACT_METADATA), { force: true })
  await mkdir(folder, { recursive: true })
}

export async function writeMetadata(folder: string, metadata: PackMetadata): Promise<void> {
  await writeFile(join(folder, ARTIFACT_METADATA), JSON.stringify(metadata, null, 2) + '\n')
}
