/* Request bodies and JSON answers on the Fetch API. */

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } })
}

/** A request body read as JSON, or the answer the client gets instead (status and a sentence). */
type BodyRead = { ok: true; value: unknown } | { ok: false; status: number; code: string; message: string }

/** Reads at most maxBytes of the body (a larger one is refused without reading the rest) and parses it. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<BodyRead> {
  const tooLarge: BodyRead = { ok: false, status: 413, code: 'body_too_large', message: `The request body is larger than ${maxBytes} bytes.` }
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > maxBytes) return tooLarge
  if (!request.body) return { ok: false, status: 400, code: 'invalid_body', message: 'The request has no body: send the JSON the plugin sends.' }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel()
        return tooLarge
      }
      chunks.push(value)
    }
  } catch {
    return { ok: false, status: 400, code: 'invalid_body', message: 'The request body broke off before its end.' }
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) }
  } catch {
    return { ok: false, status: 400, code: 'invalid_body', message: 'The request body is not JSON in UTF-8.' }
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
