import yauzl from 'yauzl'

export interface ZipEntryInfo {
  name: string
  data: Buffer
  mode: number
  /** CRC-32 the archive records for the entry. */
  crc32: number
}

/** Reads every entry of a zip with an independent reader (yauzl), to check what we wrote. */
export function readZip(path: string): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error)
      const entries: ZipEntryInfo[] = []
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError)
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => chunks.push(chunk))
          stream.on('end', () => {
            entries.push({ name: entry.fileName, data: Buffer.concat(chunks), mode: (entry.externalFileAttributes >>> 16) & 0o777, crc32: entry.crc32 })
            zip.readEntry()
          })
        })
      })
      zip.on('end', () => resolve(entries))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}
