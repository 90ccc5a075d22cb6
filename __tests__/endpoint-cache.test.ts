/* The endpoint's pointer cache, with a counting registry and a clock the test moves. */
import { describe, expect, it } from '@jest/globals'
import { ChannelStore } from '../src/endpoint/channels.js'
import type { RegistryRead, RegistryReader } from '../src/endpoint/registry-reader.js'

const POINTER = JSON.stringify({ version: '1.0.0', url: 'https://cdn.example/b.zip', checksum: 'a'.repeat(64), previous: [{ version: '0.9.0', checksum: 'b'.repeat(64) }] })

function registry(answers: RegistryRead[]): RegistryReader & { reads: string[] } {
  const reads: string[] = []
  return { location: 'test', reads, read: async (key) => (reads.push(key), answers.shift() ?? { kind: 'missing' }), readBytes: async () => ({ kind: 'missing' }) }
}

describe('ChannelStore', () => {
  it('reads a pointer once per cacheSeconds, and again after', async () => {
    let now = 0
    const reader = registry([{ kind: 'found', text: POINTER }, { kind: 'found', text: POINTER }])
    const store = new ChannelStore({ registry: reader, cacheSeconds: 5, now: () => now, log: () => {} })
    expect((await store.lookup('app', 'production')).kind).toBe('found')
    now = 4999
    await store.lookup('app', 'production')
    expect(reader.reads).toHaveLength(1)
    now = 5000
    await store.lookup('app', 'production')
    expect(reader.reads).toHaveLength(2)
  })

  it('does not keep a registry failure, and leaves out earlier releases a device cannot download', async () => {
    const lines: string[] = []
    const reader = registry([{ kind: 'unreachable', reason: 'connection refused' }, { kind: 'found', text: POINTER }])
    const store = new ChannelStore({ registry: reader, cacheSeconds: 5, now: () => 0, log: (line) => lines.push(line) })
    expect(await store.lookup('app', 'production')).toEqual({ kind: 'unreachable', reason: 'connection refused' })
    expect(lines.join()).toContain('connection refused')
    const found = await store.lookup('app', 'production')
    expect(found.kind === 'found' && found.pointer.previous).toEqual([])
  })
})
