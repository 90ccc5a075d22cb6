import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { generateWebBundle } from '../bench/web-bundle.js'

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
}

describe('the bench web bundle generator', () => {
  let temp = ''
  afterEach(() => rmSync(temp, { recursive: true, force: true }))

  it('writes the files and bytes asked for: text that deflates, images that do not', async () => {
    temp = mkdtempSync(join(tmpdir(), 'bench-gen-'))
    const stats = await generateWebBundle(temp, { files: 60, bytes: 300_000, seed: 1 })
    const files = walk(temp)
    expect(files).toHaveLength(60)
    expect(stats.bytes).toBe(files.reduce((sum, f) => sum + statSync(f).size, 0))
    expect(Math.abs(stats.bytes - 300_000)).toBeLessThan(100)
    const size = (ext: string) => {
      const data = Buffer.concat(files.filter((f) => f.endsWith(ext)).map((f) => readFileSync(f)))
      return deflateRawSync(data).length / data.length
    }
    expect(size('.js')).toBeLessThan(0.6)
    expect(size('.png')).toBeGreaterThan(0.99)
  })
})
