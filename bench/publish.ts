import aws4 from 'aws4'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { MB, median, settleDisk, timed, type Row } from './measure.js'
import { actionS3Publish, type S3Target } from './subjects.js'

const S3RVER_CHILD = fileURLToPath(new URL('./s3rver-child.js', import.meta.url))
const THROUGHPUT_TARGET = 0.8
const BUCKET = 'bench'

/** s3rver's built-in account. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** s3rver in a child process; the legacy OpenSSL provider gives it DES for its continuation tokens (listings of more than 1,000 keys). */
export async function startS3rver(directory: string): Promise<{ child: ChildProcess; target: S3Target }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', S3RVER_CHILD, directory, BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)))
  })
  const { port } = JSON.parse(first) as { port: number }
  return { child, target: { endpoint: `http://127.0.0.1:${port}`, bucket: BUCKET, region: 'us-east-1', ...CREDENTIALS } }
}

/** The baseline: one SigV4-signed PUT of the file's bytes, streamed from disk, with undici. */
async function plainPut(target: S3Target, key: string, archivePath: string, size: number, sha256: string): Promise<void> {
  const url = new URL(`${target.endpoint}/${target.bucket}/${key}`)
  const signed = aws4.sign(
    {
      host: url.host, path: url.pathname, method: 'PUT', service: 's3', region: target.region,
      headers: { 'content-type': 'application/zip', 'content-length': String(size), 'x-amz-content-sha256': sha256 }
    },
    { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey }
  )
  const response = await request(url, {
    method: 'PUT', headers: signed.headers as Record<string, string>, body: createReadStream(archivePath, { highWaterMark: MB })
  })
  const text = await response.body.text()
  if (response.statusCode !== 200) throw new Error(`The plain PUT answered ${response.statusCode}: ${text}`)
}

export interface PublishArchive {
  archivePath: string
  checksum: string
  size: number
}

/** The archive's MD5, as the pack for an S3 publish makes it while writing (not timed: the pack's share, not the upload's). */
async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

/** The action's S3 backend against a plain signed PUT of the same archive to s3rver, runs interleaved. */
export async function benchPublish(archive: PublishArchive, storeDir: string, runs: number): Promise<Row[]> {
  const { child, target } = await startS3rver(storeDir)
  const md5 = await md5Of(archive.archivePath)
  try {
    const plain: number[] = []
    const ours: number[] = []
    for (let run = 0; run < runs; run++) {
      settleDisk()
      plain.push((await timed(() => plainPut(target, `plain/${run}/bundle.zip`, archive.archivePath, archive.size, archive.checksum))).ms)
      settleDisk()
      ours.push((await timed(() => actionS3Publish(target, { appId: 'com.example.bench', version: `1.0.${run}`, channel: 'production', ...archive, md5 }))).ms)
    }
    const throughput = (ms: number) => archive.size / MB / (ms / 1000)
    const baseline = throughput(median(plain))
    const action = throughput(median(ours))
    const ratio = action / baseline
    return [{
      stage: 'publish', measure: `upload ${(archive.size / MB).toFixed(0)} MB to s3rver`, unit: 'MB/s', action, baseline, ratio,
      target: `≥ ${THROUGHPUT_TARGET} × plain signed PUT`, met: ratio >= THROUGHPUT_TARGET,
      note: 'action: bundle (its MD5 made by the pack), manifest and channel pointer'
    }]
  } finally {
    child.kill()
  }
}
