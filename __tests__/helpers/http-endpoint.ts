/**
 * A running update endpoint's HTTP side, as devices reach it: requests by path, and raw GETs
 * of the URLs it hands out (no Content-Encoding decoded). No jest here: the bench drives the
 * built endpoint with it too (bench/delta.ts).
 */
import { get as httpGet } from 'node:http'
import type { EndpointAnswer, RawAnswer, RunningEndpoint } from './endpoint.js'

export const answerOf = async (response: Response): Promise<EndpointAnswer> => ({ status: response.status, headers: response.headers, text: await response.text() })

export function endpointOverHttp(origin: string): Pick<RunningEndpoint, 'origin' | 'send' | 'getRaw'> {
  return {
    origin,
    send: async (path, init) => answerOf(await fetch(`${origin}${path}`, { method: init.method, headers: init.headers, body: init.body ?? undefined })),
    getRaw: (url, headers) => new Promise<RawAnswer>((resolve, reject) => {
      if (!url.startsWith(`${origin}/`)) return reject(new Error(`${url} is not on the endpoint ${origin}`))
      httpGet(url, { headers }, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const answerHeaders = new Headers()
          for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') answerHeaders.set(name, value)
          resolve({ status: response.statusCode ?? 0, headers: answerHeaders, bytes: Buffer.concat(chunks) })
        })
        response.on('error', reject)
      }).on('error', reject)
    })
  }
}
