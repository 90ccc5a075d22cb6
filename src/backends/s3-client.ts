import aws4 from 'aws4'
import { setTimeout as sleep } from 'node:timers/promises'
import { errors, request, type Dispatcher } from 'undici'
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
  /** Statuses that are answers, not errors (404 on a GET of a missing key, 412 on If-None-Match). */
  accept?: number[]
}

export interface S3Response {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** An S3 error answer: carries no URL, signature or credential. */
export class S3ResponseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly where: string,
    readonly method: string
  ) {
    super(`S3 answered ${status} ${code} to ${method} ${where}`)
  }
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED'])

function isRetryable(error: unknown): boolean {
  if (error instanceof S3ResponseError) return error.status >= 500 || error.status === 429
  const code = (error as { code?: string }).code
  return error instanceof errors.UndiciError || (code !== undefined && RETRYABLE_CODES.has(code))
}

/** One sentence naming the object and the likely cause, for the answers retrying cannot fix. */
export function explain(error: S3ResponseError, bucket: string): UserError {
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

  private async once(req: S3Request): Promise<S3Response> {
    const url = this.objectUrl(req.key, req.query)
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...req.headers }
    const signed = aws4.sign(
      { host: url.host, path: `${url.pathname}${url.search}`, method: req.method, service: 's3', region: this.region, headers },
      this.credentials
    )
    const response = await request(url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: signed.headers as Record<string, string>,
      body: req.body?.() as Dispatcher.DispatchOptions['body'],
      headersTimeout: this.retry.timeoutMs,
      bodyTimeout: this.retry.timeoutMs
    })
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
        return await this.once(req)
      } catch (error) {
        const spent = Date.now() - started
        if (!isRetryable(error) || attempt >= this.retry.attempts || spent >= this.retry.budgetMs) {
          if (error instanceof S3ResponseError && !isRetryable(error)) throw explain(error, this.bucket)
          const what = error instanceof S3ResponseError ? `${error.status} ${error.code}` : (error as { code?: string }).code ?? (error as Error).name
          throw new Error(`${req.method} of ${this.describe(req.key)} failed after ${attempt} attempt(s) in ${Math.round(spent / 1000)} s (${what}).`)
        }
        const delay = Math.random() * Math.min(this.retry.maxDelayMs, this.retry.baseMs * 2 ** (attempt - 1))
        await sleep(delay)
      }
    }
  }
}

export { xmlValue }
