/**
 * Adapters from the bench to the action's modules that other branches are writing. Each
 * returns `undefined` while its module is not there yet, and the bench then prints
 * "n/a" for the action's side and keeps measuring the baseline.
 */
import { checkEligibility } from '../src/eligibility/index.js'
import type { NativeSource } from '../src/registry/types.js'

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
 * Publishes an archive through the action's S3 backend (src/backends/s3*), the way
 * main.ts does (backend.publish with a manifest). Resolves to false while that backend
 * is not there yet.
 * TODO(lead): once the S3 backend is merged, create it here from `target`.
 */
export async function actionS3Publish(_target: S3Target, _input: PublishInput): Promise<boolean> {
  return false
}

