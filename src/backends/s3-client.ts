import aws4 from 'aws4'
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Dispatcher } from 'undici'
import { UserError } from '../errors.js'

export interface S3Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface RetryPolicy {
  attempts: number
  baseMs: number
  maxDelayMs: number
  /** Total time the retries of one request may take. */
  budgetMs: number
  /** Each attempt's deadline, for the whole request (headers and body), not only between bytes. */
  timeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 250, maxDelayMs: 8_000, budgetMs: 120_000, timeoutMs: 60_000 }

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE'
  key: string
  query?: Record<string, string>
  headers?: Record<string, string>
  /** Made anew for each attempt: a stream cannot be sent twice. */
  body?: () => Buffer | NodeJS.ReadableStream
  /** Bytes the request sends or expects back, beyond small XML or JSON: they lengthen its deadline (see deadlineFor). */
  bytes?: number
  /** Statuses that are answers, not errors (404 on a GET of a missing key, 412 on If-None-Match). */
  accept?: number[]
  /** A successful answer's body goes into this file (written anew by each attempt), not into memory; the response's fileSha256 is its sha256. */
  toFile?: string
  /** With toFile: told the bytes of the file written so far, after each write; 0 when an attempt starts writing it anew. */
  onWritten?: (bytes: number) => void
  /** Stops the request, and its retries: it fails with the signal's reason. */
  signal?: AbortSignal
}

export interface S3Response {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** With toFile: the sha256 (hex) of the bytes written. */
  fileSha256?: string
}

/** An S3 error answer: carries no URL, signature or credential. */
class S3ResponseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly where: string,
    readonly method: string
  ) {
    super(`S3 answered ${status} ${code} to ${method} ${where}`)
  }
}

/** The slowest transfer an attempt may make: a bundle of n MiB gets n more seconds than timeoutMs. */
const SLOWEST_BYTES_PER_MS = 1024 * 1024 / 1000

/** Each attempt's whole-request deadline: the policy's timeout, plus the time its bytes need at the slowest accepted speed. */
function deadlineFor(policy: RetryPolicy, req: S3Request): number {
  return policy.timeoutMs + Math.ceil((req.bytes ?? 0) / SLOWEST_BYTES_PER_MS)
}

/** An attempt that outlived its whole-request deadline. */
class RequestDeadlineError extends Error {
  readonly code = 'DEADLINE'
  constructor(ms: number) {
    super(`no complete answer within ${Math.round(ms / 100) / 10} s`)
  }
}

/** Answers of a store that checked the Content-MD5 or payload hash and found the bytes changed in transit: sending again fixes them. */
const CORRUPTED_IN_TRANSIT = new Set(['BadDigest', 'XAmzContentSHA256Mismatch', 'InvalidDigest'])

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED'])

/**
 * undici, loaded by the first request: a run that never reaches S3 does not pay for loading it.
 * Its default export, the package's module.exports: the bundle (esbuild) gives a dynamic
 * import of a CommonJS package no named exports.
 */
let undici: typeof import('undici').default | undefined

function isRetryable(error: unknown): boolean {
  if (error instanceof S3ResponseError) return error.status >= 500 || error.status === 429 || CORRUPTED_IN_TRANSIT.has(error.code)
  if (error instanceof RequestDeadlineError) return true
  const code = (error as { code?: string }).code
  return (undici !== undefined && error instanceof undici.errors.UndiciError) || (code !== undefined && RETRYABLE_CODES.has(code))
}

/** One sentence naming the object and the likely cause, for the answers retrying cannot fix. */
function explain(error: S3ResponseError, bucket: string): UserError {
  const causes: Record<string, string> = {
    AccessDenied: 'check s3-access-key-id and s3-secret-access-key, and that their policy allows s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the bucket',
    InvalidAccessKeyId: 'the s3-access-key-id is not known to this endpoint: check it and s3-endpoint',
    SignatureDoesNotMatch: 'the s3-secret-access-key does not match the access key id, or s3-region is wrong',
    NoSuchBucket: `the bucket "${bucket}" does not exist at this endpoint: check s3-bucket, s3-region and s3-endpoint`,
    AuthorizationHeaderMalformed: 's3-region does not match the bucket\'s region: set s3-region to it',
    PermanentRedirect: 'the bucket is in another region: set s3-region to the bucket\'s region'
  }
  const cause = causes[error.code] ?? (error.status === 403 ? causes.AccessDenied : 'check the s3-* inputs')
  return new UserError(`S3 refused ${error.method} of ${error.where} (${error.status} ${error.code}): ${cause}.`)
}

function xmlValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]
}

/** Bytes gathered before each write of a body into its file. */
const WRITE_BYTES = 1024 * 1024

/** Writes a body into a file (anew), hashing it; `onWritten` follows the bytes written. Resolves to its sha256 (hex). */
async function writeBody(body: AsyncIterable<Buffer>, path: string, onWritten?: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256')
  const file = await open(path, 'w')
  let written = 0
  let gathered: Buffer[] = []
  let gatheredBytes = 0
  const flush = async () => {
    // One call for the chunks as they came (no copy into one buffer: 155 MB of garbage for a 155 MB bundle); a short write is finished from where it stopped.
    const { bytesWritten } = await file.writev(gathered, written)
    if (bytesWritten < gatheredBytes) {
      const rest = Buffer.concat(gathered).subarray(bytesWritten)
      for (let done = 0; done < rest.length; ) done += (await file.write(rest, done, rest.length - done, written + bytesWritten + done)).bytesWritten
    }
    written += gatheredBytes
    gathered = []
    gatheredBytes = 0
    onWritten?.(written)
  }
  try {
    onWritten?.(0)
    for await (const chunk of body) {
      hash.update(chunk)
      gathered.push(chunk)
      gatheredBytes += chunk.length
      if (gatheredBytes >= WRITE_BYTES) await flush()
    }
    if (gatheredBytes > 0) await flush()
  } finally {
    await file.close()
  }
  return hash.digest('hex')
}

/** Signs each request with SigV4 (aws4) and sends it with undici, retrying what retrying can fix. */
export class S3Client {
  constructor(
    readonly bucket: string,
    readonly region: string,
    private readonly credentials: S3Credentials,
    readonly endpoint: string | undefined,
    private readonly retry: RetryPolicy = DEFAULT_RETRY
  ) {}

  /** Path-style for a custom endpoint (MinIO, R2), virtual-hosted for AWS. */
  objectUrl(key: string, query: Record<string, string> = {}): URL {
    const encoded = key.split('/').map(encodeURIComponent).join('/')
    const url = this.endpoint
      ? new URL(`${this.endpoint.replace(/\/+$/, '')}/${this.bucket}/${encoded}`)
      : new URL(`https://${this.bucket}.s3.${this.region}.amazonaws.com/${encoded}`)
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value)
    return url
  }

  describe(key: string): string {
    return `s3://${this.bucket}/${key}`
  }

  /** One attempt, bounded as a whole (a store that trickles a byte at a time never trips an idle timeout). */
  private async once(req: S3Request, deadlineMs: number): Promise<S3Response> {
    const deadline = AbortSignal.timeout(deadlineMs)
    try {
      return await this.attempt(req, req.signal ? AbortSignal.any([deadline, req.signal]) : deadline)
    } catch (error) {
      req.signal?.throwIfAborted()
      if (deadline.aborted) throw new RequestDeadlineError(deadlineMs)
      throw error
    }
  }

  private async attempt(req: S3Request, signal: AbortSignal): Promise<S3Response> {
    const url = this.objectUrl(req.key, req.query)
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...req.headers }
    const signed = aws4.sign(
      { host: url.host, path: `${url.pathname}${url.search}`, method: req.method, service: 's3', region: this.region, headers },
      this.credentials
    )
    undici ??= (await import('undici')).default
    const response = await undici.request(url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: signed.headers as Record<string, string>,
      body: req.body?.() as Dispatcher.DispatchOptions['body'],
      headersTimeout: this.retry.timeoutMs,
      bodyTimeout: this.retry.timeoutMs,
      signal
    })
    if (req.toFile && response.statusCode < 300) {
      const fileSha256 = await writeBody(response.body, req.toFile, req.onWritten)
      return { status: response.statusCode, headers: response.headers, body: Buffer.alloc(0), fileSha256 }
    }
    const body = Buffer.from(await response.body.arrayBuffer())
    if (response.statusCode >= 300 && !(req.accept ?? []).includes(response.statusCode)) {
      const text = body.toString('utf8')
      const code = xmlValue(text, 'Code') ?? (response.statusCode === 404 ? 'NotFound' : `HTTP${response.statusCode}`)
      throw new S3ResponseError(response.statusCode, code, this.describe(req.key), req.method)
    }
    return { status: response.statusCode, headers: response.headers, body }
  }

  /** Exponential backoff with full jitter, bounded in attempts and in total time. */
  async send(req: S3Request): Promise<S3Response> {
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(req, deadlineFor(this.retry, req))
      } catch (error) {
        const spent = Date.now() - started
        if (!isRetryable(error) || attempt >= this.retry.attempts || spent >= this.retry.budgetMs) {
          if (error instanceof S3ResponseError && !isRetryable(error)) throw explain(error, this.bucket)
          const what = error instanceof S3ResponseError ? `${error.status} ${error.code}` : error instanceof RequestDeadlineError ? error.message : (error as { code?: string }).code ?? (error as Error).name
          throw new Error(`${req.method} of ${this.describe(req.key)} failed after ${attempt} attempt(s) in ${Math.round(spent / 1000)} s (${what}).`)
        }
        const delay = Math.random() * Math.min(this.retry.maxDelayMs, this.retry.baseMs * 2 ** (attempt - 1))
        await sleep(delay)
      }
    }
  }
}

export { xmlValue }
