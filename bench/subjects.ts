/** The action's own modules as the bench calls them: the same code paths main.ts wires together. */
import { checkEligibility } from '../src/eligibility/index.js'
import { createBackend } from '../src/backends/index.js'
import { execRunner } from '../src/command-runner.js'
import { getInputs } from '../src/inputs.js'

/**
 * The whole eligibility check, as a run does it (framework, native sources, baseline,
 * bundle scan), not the fingerprint alone: its time is what a user waits for.
 */
export async function actionFingerprint(projectDir: string, webDir: string): Promise<string> {
  return (await checkEligibility({ projectDir, webDir })).fingerprint
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
  /** The archive's MD5, which a pack for the S3 backend makes while it writes the archive (PackOptions.md5). */
  md5: string
  size: number
}

/** Publishes an archive through the action's S3 backend, made from inputs as main.ts makes it: bundle, manifest, channel pointer. */
export async function actionS3Publish(target: S3Target, input: PublishInput): Promise<void> {
  const inputs: Record<string, string> = { backend: 's3', 's3-bucket': target.bucket, 's3-endpoint': target.endpoint, 's3-region': target.region }
  const base = getInputs((name) => inputs[name] ?? '', {})
  const s3 = { ...base.s3, accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey }
  const log = { info: () => undefined, warning: () => undefined }
  const backend = await createBackend({ ...base, s3 }, { runner: execRunner(), env: {}, log, workspace: process.cwd(), cwd: process.cwd() })
  const { appId, version, channel, checksum, md5, size } = input
  await backend.publish({
    appId, channel, version, archivePath: input.archivePath, checksum, md5, size,
    manifest: {
      appId, version, channel, checksum, size, nativeFingerprint: '', publishedAt: new Date().toISOString(), commit: 'bench',
      files: [], nativeSources: [], eligibility: { eligible: true, reasons: [], framework: 'web' }
    }
  })
}
