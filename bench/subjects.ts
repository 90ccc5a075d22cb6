/**
 * Adapters from the bench to the action's modules that other branches are writing. Each
 * tells when its module is not there yet; the bench then prints "n/a" for the action's
 * side and keeps measuring the baseline.
 */
import { checkEligibility } from '../src/eligibility/index.js'
import { createBackend } from '../src/backends/index.js'
import { UserError } from '../src/errors.js'
import { getInputs } from '../src/inputs.js'
import type { Backend, NativeSource } from '../src/registry/types.js'

export interface FingerprintResult {
  fingerprint: string
  nativeSources: NativeSource[]
}

/**
 * The action's native fingerprint of a project (src/eligibility). Today's placeholder
 * answers an empty fingerprint: that counts as "not available".
 * TODO(lead): once src/eligibility exports the fingerprint on its own, call it here.
 */
export async function actionFingerprint(projectDir: string, webDir: string): Promise<FingerprintResult | undefined> {
  const verdict = await checkEligibility({ projectDir, webDir })
  return verdict.fingerprint ? { fingerprint: verdict.fingerprint, nativeSources: verdict.nativeSources } : undefined
}

export interface S3Target {
  endpoint: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
}

export interface PublishInput {
  appId: string
  version: string
  channel: string
  archivePath: string
  checksum: string
  size: number
}

/**
 * Publishes an archive through the action's S3 backend, created by createBackend from
 * inputs as main.ts does, then backend.publish (bundle, manifest, channel pointer).
 * Resolves to false while createBackend refuses `backend: s3` (not merged yet).
 * TODO(lead): nothing to change here if the S3 backend keeps createBackend's contract.
 */
export async function actionS3Publish(target: S3Target, input: PublishInput): Promise<boolean> {
  const inputs: Record<string, string> = { backend: 's3', 's3-bucket': target.bucket, 's3-endpoint': target.endpoint, 's3-region': target.region }
  const base = getInputs((name) => inputs[name] ?? '', {})
  // Credentials set here, not as inputs: getInputs would print add-mask commands into the table.
  const s3 = { ...base.s3, accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey }
  let backend: Backend
  try {
    backend = createBackend({ ...base, s3 })
  } catch (error) {
    if (error instanceof UserError && /not available/.test(error.message)) return false
    throw error
  }
  const { appId, version, channel, checksum, size } = input
  await backend.publish({
    appId, channel, version, archivePath: input.archivePath, checksum, size,
    manifest: {
      appId, version, channel, checksum, size, nativeFingerprint: '', publishedAt: new Date().toISOString(), commit: 'bench',
      files: [], nativeSources: [], eligibility: { eligible: true, reasons: [], framework: 'web' }
    }
  })
  return true
}
