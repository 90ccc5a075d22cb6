import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'

/** sha256 as lowercase hex: the checksum of bundles, manifests, pointers and native sources alike. */
export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

/** sha256 (hex) of a file's bytes, streamed: bundles can be larger than memory allows. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}
