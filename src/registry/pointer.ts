import type { Release } from './releases.js'
import type { ChannelPointer } from './types.js'

/**
 * The pointer's current bundle as a Release. Fields a pointer of an earlier version of the
 * action lacks are left as they are: such a pointer still names its bundle's url and checksum.
 */
export function currentRelease(pointer: ChannelPointer): Release {
  const { version, url, checksum, size, nativeFingerprint, native, signature, publishedAt, promotedFrom } = pointer
  return { version, url, checksum, size, nativeFingerprint, publishedAt, ...(native ? { native } : {}), ...(signature ? { signature } : {}), ...(promotedFrom ? { promotedFrom } : {}) }
}
