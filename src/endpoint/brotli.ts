/* Brotli decoding for the update endpoint (docs/architecture.md, Update endpoint). Fetch API only. */

/** Decodes one brotli stream whole: the Node server's is node:zlib's, handed in as a port. */
export type BrotliDecoder = (bytes: Uint8Array) => Promise<Uint8Array>

const BROTLI = 'brotli' as CompressionFormat

/** DecompressionStream('brotli'), where the runtime offers it (newer Node does; Node 20 does not), else none. */
export function streamBrotliDecoder(): BrotliDecoder | undefined {
  try {
    new DecompressionStream(BROTLI)
  } catch {
    return undefined
  }
  return async (bytes) => new Uint8Array(await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream(BROTLI))).arrayBuffer())
}

/** Whether an Accept-Encoding header takes br (a `br` or `*` token whose q is not 0). */
export function acceptsBrotli(header: string | null): boolean {
  return (header ?? '').split(',').some((item) => {
    const [token, ...parameters] = item.split(';').map((part) => part.trim().toLowerCase())
    const q = parameters.find((parameter) => parameter.startsWith('q='))
    return (token === 'br' || token === '*') && (q === undefined || Number(q.slice(2)) > 0)
  })
}
