import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { unpackArchive } from '../src/bundle/unpack.js'

interface RawEntry {
  name: string
  data?: Buffer
  /** Unix mode in the external attributes (a symlink is 0o120777). */
  mode?: number
}

/** A stored zip written byte by byte, so a test can say anything a hostile pack run could (APPNOTE 4.3.7, 4.3.12, 4.3.16). */
function hostileZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const data = entry.data ?? Buffer.alloc(0)
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(0x0314, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, data)
    centrals.push(central, name)
    offset += 30 + name.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

describe('unpackArchive: an archive from a pack run, read as untrusted', () => {
  let temp: string
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'unpack-'))
  })
  afterEach(() => rmSync(temp, { recursive: true, force: true }))

  const unpack = (entries: RawEntry[]) => {
    writeFileSync(join(temp, 'bundle.zip'), hostileZip(entries))
    return unpackArchive(join(temp, 'bundle.zip'), join(temp, 'web'), 'The artifact\'s bundle.zip')
  }

  it('writes plain files and folders', async () => {
    await expect(unpack([{ name: 'index.html', data: Buffer.from('<p>hi</p>') }, { name: 'assets/' }, { name: 'assets/app.js', data: Buffer.from('1') }])).resolves.toBe(2)
    expect(readFileSync(join(temp, 'web', 'assets', 'app.js'), 'utf8')).toBe('1')
  })

  it.each([
    ['a name that climbs out', [{ name: '../evil.js', data: Buffer.from('x') }], /is not a readable zip archive|could not be unpacked/],
    ['an absolute name', [{ name: '/tmp/evil.js', data: Buffer.from('x') }], /is not a readable zip archive|could not be unpacked/],
    ['a backslash', [{ name: 'assets\\evil.js', data: Buffer.from('x') }], /is not a readable zip archive|could not be unpacked/],
    ['a symlink', [{ name: 'index.html', data: Buffer.from('/etc/passwd'), mode: 0o120777 }], /holds a symlink index\.html/],
    ['a name twice', [{ name: 'index.html', data: Buffer.from('a') }, { name: 'index.html', data: Buffer.from('b') }], /holds index\.html twice/]
  ])('refuses %s in one sentence and writes nothing outside', async (_what, entries, message) => {
    await expect(unpack(entries)).rejects.toThrow(message)
    await expect(unpack(entries)).rejects.toThrow(/: it was not made by mode pack of this action; nothing was published\.$/)
    expect(existsSync(join(temp, 'evil.js'))).toBe(false)
    expect(readdirSync(temp).sort()).toEqual(['bundle.zip', 'web'].filter((name) => existsSync(join(temp, name))))
  })

  it('refuses bytes that are not a zip', async () => {
    writeFileSync(join(temp, 'bundle.zip'), 'not a zip')
    await expect(unpackArchive(join(temp, 'bundle.zip'), join(temp, 'web'), 'The artifact\'s bundle.zip')).rejects.toThrow(/^The artifact's bundle\.zip is not a readable zip archive/)
  })
})
