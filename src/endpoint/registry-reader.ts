/*
 * How the endpoint reads the registry the action writes (docs/architecture.md, Update
 * endpoint). Fetch API only: this module runs on Workers, Deno, Bun and Node.
 */

/** What reading one registry file gave: its text, no such file, or why the registry could not answer. */
export type RegistryRead =
  | { kind: 'found'; text: string }
  | { kind: 'missing' }
  | { kind: 'unreachable'; reason: string }

/** The endpoint's port to the registry: files by their registry key (src/registry/layout.ts). */
export interface RegistryReader {
  /** Where, in words, for the log. */
  readonly location: string
  read(key: string): Promise<RegistryRead>
  /** The channels of an app, where the registry can list them (a folder can; a public bucket URL cannot). */
  listChannels?(appId: string): Promise<string[]>
}

const READ_TIMEOUT_MS = 5000

/** Reads the registry through its public base URL (a bucket, R2, or a CDN in front of them). */
export class UrlRegistryReader implements RegistryReader {
  readonly location: string
  private readonly base: string

  constructor(baseUrl: string, private readonly fetcher: typeof fetch = fetch) {
    this.base = baseUrl.replace(/\/+$/, '')
    this.location = this.base
  }

  async read(key: string): Promise<RegistryRead> {
    const url = `${this.base}/${key}`
    let response: Response
    try {
      response = await this.fetcher(url, { signal: AbortSignal.timeout(READ_TIMEOUT_MS), headers: { accept: 'application/json' } })
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
      return { kind: 'found', text: await response.text() }
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
