/**
 * A flat key → bytes store: the folder and S3 backends implement it, and the registry's
 * rules (immutable versions, pointer last) are written once on top of it.
 */
export interface ObjectStore {
  /** Uploads carry the bytes' MD5 (S3's Content-MD5): the pack makes the archive's while it writes it. */
  readonly sendsContentMd5?: boolean
  /** Where a key lives, in words without secrets (for messages). */
  describe(key: string): string
  /** The URL devices download a key from. */
  publicUrl(key: string): string
  read(key: string): Promise<Buffer | undefined>
  /** Whether the key holds an object (a HEAD, a stat): no bytes are read. */
  exists(key: string): Promise<boolean>
  /** Bytes `start` to `end` (inclusive) of an object; undefined when absent, or when the store did not answer with exactly them. */
  readRange(key: string, start: number, end: number): Promise<Buffer | undefined>
  /**
   * Copies an object into a file, streamed (a bundle can be larger than memory allows);
   * resolves to the sha256 (hex) of the bytes written, undefined when absent.
   */
  readToFile(key: string, path: string, options: FileRead): Promise<string | undefined>
  /** sha256 hex of the stored object, or undefined when absent. */
  checksum(key: string): Promise<string | undefined>
  /** Stores a file (`md5`, hex, when the caller made it already); with ifAbsent, never replaces an existing object. Resolves to whether it wrote. */
  putFile(key: string, path: string, options: PutOptions & { size: number; md5?: string }): Promise<boolean>
  putBytes(key: string, bytes: Buffer, options: PutOptions): Promise<boolean>
  /** The object's bytes and a tag that changes whenever it is replaced (the S3 ETag, the folder's sha256). */
  readTagged(key: string): Promise<TaggedObject | undefined>
  /**
   * Compare-and-swap: writes only while the object still has the `expected` tag (undefined:
   * only while absent). Resolves false when another write came first.
   */
  putIfMatch(key: string, bytes: Buffer, expected: string | undefined, options: Omit<PutOptions, 'ifAbsent'>): Promise<boolean>
  remove(key: string): Promise<void>
  /** Every key under a prefix. */
  list(prefix: string): Promise<string[]>
}

export interface FileRead {
  /** The length its manifest records: sets the transfer's deadline without asking the store first. */
  size: number
  /** Follows the bytes written, front to back (0 when a retry starts again). */
  onWritten?: (bytes: number) => void
  /** Stops the transfer (the pack that wanted it was cancelled); the read then fails. */
  signal?: AbortSignal
}

export interface PutOptions {
  contentType: string
  sha256: string
  /**
   * Never replace an existing object. `'asked'`: the caller asked about the key a moment ago
   * and found nothing (a content-addressed file), so the write is not asked about again and
   * relies on its only-if-absent condition.
   */
  ifAbsent: boolean | 'asked'
  /** Cache-Control for the object: bundles are immutable, pointers are not. */
  cacheControl?: string
}

export interface TaggedObject {
  bytes: Buffer
  tag: string
}
