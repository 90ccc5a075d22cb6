import { expect } from '@jest/globals'
import { createHash } from 'node:crypto'

/** Reads a registry by key, whatever the store: a folder or a bucket behind a public URL. */
export interface RegistryReader {
  /** Every key under the app, relative to the registry's root (`<appId>/channels/beta.json`). */
  keys(): Promise<string[]>
  read(key: string): Promise<Buffer | undefined>
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/**
 * The registry's invariants after any set of runs, however they overlapped: every pointer
 * names an intact bundle whose bytes match its checksum; every stored version's bundle
 * matches its manifest (and the bytes its publishing run reported, so none was
 * overwritten); no closed preview channel remains.
 */
export async function expectRegistrySound(
  registry: RegistryReader,
  appId: string,
  options: { closedChannels?: string[]; reportedChecksums?: Map<string, string> } = {}
): Promise<void> {
  const keys = await registry.keys()
  for (const key of keys.filter((k) => k.startsWith(`${appId}/channels/`) && k.endsWith('.json'))) {
    const pointer = JSON.parse((await registry.read(key))!.toString('utf8'))
    const bundle = await registry.read(`${appId}/bundles/${pointer.version}/bundle.zip`)
    expect({ key, bundle: bundle ? sha256(bundle) : 'missing' }).toEqual({ key, bundle: pointer.checksum })
  }
  for (const key of keys.filter((k) => k.endsWith('/manifest.json'))) {
    const manifest = JSON.parse((await registry.read(key))!.toString('utf8'))
    const bundle = await registry.read(key.replace(/manifest\.json$/, 'bundle.zip'))
    expect({ key, bundle: bundle ? sha256(bundle) : 'missing' }).toEqual({ key, bundle: manifest.checksum })
    const reported = options.reportedChecksums?.get(manifest.version)
    if (reported) expect({ version: manifest.version, checksum: manifest.checksum }).toEqual({ version: manifest.version, checksum: reported })
  }
  const bundles = keys.filter((k) => k.endsWith('/bundle.zip'))
  expect(bundles.filter((k) => !keys.includes(k.replace(/bundle\.zip$/, 'manifest.json')))).toEqual([])
  for (const channel of options.closedChannels ?? []) {
    expect(keys).not.toContain(`${appId}/channels/${channel}.json`)
    const left = []
    for (const key of keys.filter((k) => k.endsWith('/manifest.json'))) {
      if (JSON.parse((await registry.read(key))!.toString('utf8')).channel === channel) left.push(key)
    }
    expect(left).toEqual([])
  }
}
