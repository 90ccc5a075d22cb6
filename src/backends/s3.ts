import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mapBounded } from '../concurrency.js'
import { MissingCredentialsError, UserError } from '../errors.js'
import type { S3Inputs } from '../inputs.js'
import { RegistryBackend } from '../registry/registry-backend.js'
import type { ObjectStore, PutOptions, TaggedObject } from '../registry/store.js'
import { DEFAULT_RETRY, S3Client, xmlValue, type RetryPolicy } from './s3-client.js'

const MB = 1024 * 1024
const DEFAULT_PART_SIZE = 32 * MB
/** One streamed PUT is faster (measured: 0.76 against 0.47 of a plain PUT's throughput); parts pay off for retries of very large bundles. */
const DEFAULT_MULTIPART_THRESHOLD = 256 * MB
const PARALLEL_PARTS = 4
const SHA256_META = 'x-amz-meta-sha256'

function putHeaders(options: PutOptions, size: number): Record<string, string> {
  return {
    'content-type': options.contentType,
    'content-length': String(size),
    [SHA256_META]: options.sha256,
    ...(options.cacheControl ? { 'cache-control': options.cacheControl } : {}),
    // Honoured by S3 and R2; servers that ignore it are covered by the existence check before.
    ...(options.ifAbsent ? { 'if-none-match': '*' } : {})
  }
}

/** The registry in a bucket: same keys as the folder backend, below an optional prefix. */
export class S3Store implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly prefix: string,
    private readonly baseUrl: string | undefined,
    private readonly partSize: number = DEFAULT_PART_SIZE,
    private readonly multipartThreshold: number = DEFAULT_MULTIPART_THRESHOLD
  ) {}

  private key(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key
  }

  describe(key: string): string {
    return this.client.describe(this.key(key))
  }

  publicUrl(key: string): string {
    return this.baseUrl ? `${this.baseUrl}/${key}` : this.client.objectUrl(this.key(key)).href
  }

  async read(key: string): Promise<Buffer | undefined> {
    const response = await this.client.send({ method: 'GET', key: this.key(key), accept: [404] })
    return response.status === 404 ? undefined : response.body
  }

  async readTagged(key: string): Promise<TaggedObject | undefined> {
    const response = await this.client.send({ method: 'GET', key: this.key(key), accept: [404] })
    if (response.status === 404) return undefined
    return { bytes: response.body, tag: String(response.headers.etag ?? '') }
  }

  /** If-Match on the ETag (If-None-Match: * when absent): AWS S3, R2 and MinIO answer 412, or 409 to a concurrent conditional write. */
  async putIfMatch(key: string, bytes: Buffer, expected: string | undefined, options: Omit<PutOptions, 'ifAbsent'>): Promise<boolean> {
    const { 'if-none-match': _absent, ...headers } = putHeaders({ ...options, ifAbsent: false }, bytes.length)
    const condition: Record<string, string> = expected === undefined ? { 'if-none-match': '*' } : { 'if-match': expected }
    const response = await this.client.send({
      method: 'PUT',
      key: this.key(key),
      headers: { ...headers, ...condition, 'x-amz-content-sha256': options.sha256 },
      body: () => bytes,
      accept: [409, 412]
    })
    return response.status < 300
  }

  async checksum(key: string): Promise<string | undefined> {
    const head = await this.client.send({ method: 'HEAD', key: this.key(key), accept: [404] })
    if (head.status === 404) return undefined
    const stored = head.headers[SHA256_META]
    if (typeof stored === 'string' && /^[0-9a-f]{64}$/.test(stored)) return stored
    // Written by something else than this action: hash what is there.
    const bytes = await this.read(key)
    return bytes && createHash('sha256').update(bytes).digest('hex')
  }

  private async exists(key: string): Promise<boolean> {
    return (await this.client.send({ method: 'HEAD', key: this.key(key), accept: [404] })).status !== 404
  }

  async putFile(key: string, path: string, options: PutOptions & { size: number }): Promise<boolean> {
    if (options.ifAbsent && (await this.exists(key))) return false
    if (options.size > this.multipartThreshold) {
      await this.multipart(key, path, options)
      return true
    }
    const response = await this.client.send({
      method: 'PUT',
      key: this.key(key),
      headers: { ...putHeaders(options, options.size), 'x-amz-content-sha256': options.sha256 },
      body: () => createReadStream(path),
      accept: [412]
    })
    return response.status !== 412
  }

  async putBytes(key: string, bytes: Buffer, options: PutOptions): Promise<boolean> {
    if (options.ifAbsent && (await this.exists(key))) return false
    const response = await this.client.send({
      method: 'PUT',
      key: this.key(key),
      headers: { ...putHeaders(options, bytes.length), 'x-amz-content-sha256': options.sha256 },
      body: () => bytes,
      accept: [412]
    })
    return response.status !== 412
  }

  /** Parts sent in parallel (bounded), each retried on its own; an unfinished upload is aborted. */
  private async multipart(key: string, path: string, options: PutOptions & { size: number }): Promise<void> {
    const fullKey = this.key(key)
    const { 'content-length': _length, 'if-none-match': _ifNoneMatch, ...headers } = putHeaders(options, options.size)
    const created = await this.client.send({ method: 'POST', key: fullKey, query: { uploads: '' }, headers })
    const uploadId = xmlValue(created.body.toString('utf8'), 'UploadId')
    if (!uploadId) throw new Error(`S3 gave no UploadId for ${this.describe(key)}.`)
    let completed = false
    try {
      const count = Math.ceil(options.size / this.partSize)
      const parts = Array.from({ length: count }, (_, index) => index)
      const etags = await mapBounded(parts, PARALLEL_PARTS, async (index) => {
        const start = index * this.partSize
        const end = Math.min(options.size, start + this.partSize) - 1
        const response = await this.client.send({
          method: 'PUT',
          key: fullKey,
          query: { partNumber: String(index + 1), uploadId },
          headers: { 'content-length': String(end - start + 1) },
          body: () => createReadStream(path, { start, end })
        })
        return String(response.headers.etag ?? '')
      })
      const xml = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
      const done = await this.client.send({ method: 'POST', key: fullKey, query: { uploadId }, headers: { 'content-type': 'application/xml' }, body: () => Buffer.from(xml) })
      // S3 may answer 200 with an error inside the body.
      if (/<Error>/.test(done.body.toString('utf8'))) throw new Error(`S3 could not complete the multipart upload of ${this.describe(key)}.`)
      completed = true
    } finally {
      if (!completed) await this.client.send({ method: 'DELETE', key: fullKey, query: { uploadId }, accept: [404] }).catch(() => undefined)
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.send({ method: 'DELETE', key: this.key(key), accept: [404] })
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: this.key(prefix) }
      if (token) query['continuation-token'] = token
      const response = await this.client.send({ method: 'GET', key: '', query })
      const xml = response.body.toString('utf8')
      for (const match of xml.matchAll(/<Key>([^<]+)<\/Key>/g)) keys.push(match[1].replace(/&amp;/g, '&').slice(this.prefix ? this.prefix.length + 1 : 0))
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlValue(xml, 'NextContinuationToken') : undefined
    } while (token)
    return keys.sort()
  }
}

/** How the S3 backend retries and splits uploads; the defaults suit users, tests shorten them. */
export interface S3Tuning {
  retry?: Partial<RetryPolicy>
  /** Part size of a multipart upload, in bytes. */
  partSize?: number
  /** Bundles larger than this go up in parts. */
  multipartThreshold?: number
}

export function createS3Backend(s3: S3Inputs, publicUrl: string | undefined, tuning: S3Tuning = {}): RegistryBackend {
  if (!s3.bucket) throw new UserError('The s3 backend needs a bucket: set the s3-bucket input.')
  if (!s3.accessKeyId || !s3.secretAccessKey) {
    throw new MissingCredentialsError('The s3 backend has no credentials: set s3-access-key-id and s3-secret-access-key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, e.g. with aws-actions/configure-aws-credentials).')
  }
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...tuning.retry }
  const client = new S3Client(s3.bucket, s3.region, { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, sessionToken: s3.sessionToken }, s3.endpoint, retry)
  const store = new S3Store(client, s3.prefix, publicUrl, tuning.partSize ?? DEFAULT_PART_SIZE, tuning.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD)
  return new RegistryBackend('s3', `s3://${s3.bucket}${s3.prefix ? `/${s3.prefix}` : ''}`, store)
}
