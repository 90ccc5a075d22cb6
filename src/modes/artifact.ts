import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UserError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import type { NativeSource } from '../registry/types.js'

/**
 * The folder a pull request's pack run hands to the trusted publish-packed run, through a
 * workflow artifact. Everything in it was made by the pull request's code: publish-packed
 * reads it as untrusted data.
 */
const ARTIFACT_METADATA = 'live-update-pack.json'
export const ARTIFACT_BUNDLE = 'bundle.zip'
export const ARTIFACT_FORMAT = 'live-update-pack/1'

interface PackedVerdict {
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
  /** The pull_request event's action (opened, synchronize, reopened, closed). */
  action: string
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

const MAX_METADATA_BYTES = 16 * 1024 * 1024
const SHA = /^[0-9a-f]{40}$/
const SHA256 = /^[0-9a-f]{64}$/
const SOURCE_KINDS = new Set(['file', 'plugin', 'config', 'patch', 'framework'])

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

function isSource(value: any): value is NativeSource {
  return value && isText(value.label, 1024) && SOURCE_KINDS.has(value.kind) && isText(value.hash, 128) &&
    (value.version === undefined || isText(value.version, 256))
}

function isVerdict(value: any): value is PackedVerdict {
  return value && typeof value.eligible === 'boolean' && Array.isArray(value.reasons) && value.reasons.length <= 10_000 &&
    value.reasons.every((reason: unknown) => isText(reason, 2000)) && (value.fingerprint === '' || SHA256.test(value.fingerprint)) &&
    isText(value.framework, 64) && Array.isArray(value.nativeSources) && value.nativeSources.length <= 100_000 && value.nativeSources.every(isSource)
}

/**
 * The metadata a pack run wrote, read as untrusted input: every field is checked for its
 * type and size. Its claims (the pull request, the checksum) are then checked against
 * GitHub and the bytes by publish-packed. Returns why it is unusable, or the metadata.
 */
export async function readMetadata(folder: string, shown: string): Promise<PackMetadata | { unusable: string }> {
  const path = join(folder, ARTIFACT_METADATA)
  let text: string
  try {
    if ((await stat(path)).size > MAX_METADATA_BYTES) return { unusable: `${shown}/${ARTIFACT_METADATA} is over ${MAX_METADATA_BYTES} bytes` }
    text = await readFile(path, 'utf8')
  } catch {
    return { unusable: `${shown} has no ${ARTIFACT_METADATA} (download the pack run's artifact to artifact-path with actions/download-artifact and run-id)` }
  }
  let value: any
  try {
    value = JSON.parse(text)
  } catch {
    return { unusable: `${shown}/${ARTIFACT_METADATA} is not JSON` }
  }
  const bundle = value?.bundle
  const valid = value && value.format === ARTIFACT_FORMAT && Number.isSafeInteger(value.pullRequest) && value.pullRequest > 0 &&
    typeof value.headSha === 'string' && SHA.test(value.headSha) && typeof value.closed === 'boolean' && isText(value.packedAt, 64) && isText(value.action, 32) &&
    (value.verdict === undefined || isVerdict(value.verdict)) &&
    (bundle === undefined || (bundle.file === ARTIFACT_BUNDLE && SHA256.test(bundle.checksum) && isCount(bundle.size) && isCount(bundle.fileCount)))
  return valid ? (value as PackMetadata) : { unusable: `${shown}/${ARTIFACT_METADATA} is not the metadata of mode pack (${ARTIFACT_FORMAT})` }
}
