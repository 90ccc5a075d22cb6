/*
 * How the endpoint reads the registry the action writes (docs/architecture.md, Update
 * endpoint). Fetch API only: this module runs on Workers, Deno, Bun and Node.
 */

/** What reading one registry file gave: its content (`Found`), no such file, or why the registry could not answer. */
type RegistryAnswer<Found> = ({ kind: 'found' } & Found) | { kind: 'missing' } | { kind: 'unreachable'; reason: string }

/** A pointer or manifest, read as text. */
export type RegistryRead = RegistryAnswer<{ text: string }>

/** A file read as bytes (the content-addressed files, brotli or not). */
export type RegistryBytes = RegistryAnswer<{ bytes: Uint8Array }>

/** The endpoint's port to the registry: files by their registry key (src/registry/layout.ts). */
export interface RegistryReader {
  /** Where, in words, for the log. */
  readonly location: string
  read(key: string): Promise<RegistryRead>
  readBytes(key: string): Promise<RegistryBytes>
  /** The channels of an app, where the registry can list them (a folder can; a public bucket URL cannot). */
  listChannels?(appId: string): Promise<string[]>
}

/** A pointer or manifest is a few KiB; a bundle's file may be megabytes. */
const READ_TIMEOUT_MS = { text: 5000, bytes: 30_000 }

/** Reads the registry through its public base URL (a bucket, R2, or a CDN in front of them). */
export class UrlRegistryReader implements RegistryReader {
  readonly location: string
  private readonly base: string

  constructor(baseUrl: string, private readonly fetcher: typeof fetch = fetch) {
    this.base = baseUrl.replace(/\/+$/, '')
    this.location = this.base
  }

  read(key: string): Promise<RegistryRead> {
    return this.get(key, 'application/json', READ_TIMEOUT_MS.text, async (response) => ({ kind: 'found', text: await response.text() }))
  }

  readBytes(key: string): Promise<RegistryBytes> {
    return this.get(key, '*/*', READ_TIMEOUT_MS.bytes, async (response) => ({ kind: 'found', bytes: new Uint8Array(await response.arrayBuffer()) }))
  }

  private async get<Found>(key: string, accept: string, timeoutMs: number, body: (response: Response) => Promise<{ kind: 'found' } & Found>): Promise<RegistryAnswer<Found>> {
    const url = `${this.base}/${key}`
    let response: Response
    try {
      response = await this.fetcher(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept } })
    } catch (error) {
      return { kind: 'unreachable', reason: `GET ${url} failed: ${describe(error)}` }
    }
    // A bucket that does not let the public list it answers 403 for a key it does not hold.
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel()
      return { kind: 'missing' }
    }
    if (!response.ok) {
      await response.body?.cancel()
      return { kind: 'unreachable', reason: `GET ${url} answered HTTP ${response.status}` }
    }
    try {
      return await body(response)
    } catch (error) {
      return { kind: 'unreachable', reason: `GET ${url} broke off: ${describe(error)}` }
    }
  }
}

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as Error & { cause?: unknown }).cause
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
}
