import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'
import ts from 'typescript'
import { capawesomeSettings, capgoSettings } from '../src/registry/endpoint-routes.js'
import { releaseFor as endpointReleaseFor, type Release, type Rollout } from '../src/registry/releases.js'
import { findUpdate, releaseFor, type Device } from '../examples/manual-mode/registry.js'
import { makeWorkspace, repoRoot, runAction } from './helpers/action.js'
import { pushPayload } from './helpers/payloads.js'
import { testRsaPems } from './helpers/test-cache.js'

const dir = join(repoRoot, 'examples', 'manual-mode')
const files = ['registry.ts', 'capgo.ts', 'capawesome.ts']
const source = (name: string) => readFileSync(join(dir, name), 'utf8')
const pluginVersion = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version as string

/** What an app's tsconfig gives the code: the WebView's DOM, bundler resolution, strict, and no Node types. */
const appOptions: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  noUnusedLocals: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: []
}

/** Files no check replaces (the DOM library, the plugins' definitions), parsed once for every check. */
const parsed = new Map<string, ts.SourceFile | undefined>()

/** Type-checks files of examples/manual-mode, with some of them replaced by other text, against the installed plugins. */
function typeErrors(replaced: Record<string, string> = {}): string[] {
  const host = ts.createCompilerHost(appOptions)
  const readFile = host.readFile.bind(host)
  const virtual = new Map(Object.entries(replaced).map(([name, text]) => [normalize(join(dir, name)), text]))
  host.readFile = (path) => virtual.get(normalize(path)) ?? readFile(path)
  host.fileExists = ((exists) => (path: string) => virtual.has(normalize(path)) || exists(path))(host.fileExists.bind(host))
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (path, language) => {
    const key = normalize(path)
    if (virtual.has(key) || key.startsWith(dir)) return getSourceFile(path, language)
    if (!parsed.has(key)) parsed.set(key, getSourceFile(path, language))
    return parsed.get(key)
  }
  const roots = [...new Set([...files, ...Object.keys(replaced)])].map((name) => join(dir, name))
  const program = ts.createProgram(roots, appOptions, host)
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

describe('the manual-mode code of the README', () => {
  it(`type-checks against @capgo/capacitor-updater ${pluginVersion('@capgo/capacitor-updater')} and @capawesome/capacitor-live-update ${pluginVersion('@capawesome/capacitor-live-update')}`, () => {
    expect(typeErrors()).toEqual([])
  })

  it('fails the check when an option name is wrong: the check reads the plugins\' own definitions', () => {
    expect(typeErrors({ 'capawesome.ts': source('capawesome.ts').replace('setNextBundle({ bundleId:', 'setNextBundle({ id:') }).join('\n')).toMatch(/'id' does not exist in type 'SetNextBundleOptions'/)
    expect(typeErrors({ 'capgo.ts': source('capgo.ts').replace('next({ id: next.id })', 'next({ bundleId: next.id })') }).join('\n')).toMatch(/'bundleId' does not exist in type 'BundleId'/)
  })

  it('is in the README verbatim, each file as one code block', () => {
    const blocks = [...readFileSync(join(repoRoot, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1])
    for (const name of files) expect(blocks).toContain(source(name))
  })
})

describe('the capacitor.config settings the comment shows', () => {
  it('are option names of each plugin\'s published PluginsConfig', () => {
    const config = {
      CapacitorUpdater: capgoSettings('https://updates.example.com'),
      LiveUpdate: capawesomeSettings('https://updates.example.com', 'com.example.app')
    }
    // @capacitor/cli, which the plugins augment, is the app's: a stub stands in for its PluginsConfig.
    const check = [
      "import type {} from '@capgo/capacitor-updater'",
      "import type {} from '@capawesome/capacitor-live-update'",
      "import type { PluginsConfig } from '@capacitor/cli'",
      `export const plugins: PluginsConfig = ${JSON.stringify(config)}`
    ].join('\n')
    const stub = "declare module '@capacitor/cli' { export interface PluginsConfig {} }\n"
    expect(typeErrors({ 'config-check.ts': check, 'cli-stub.d.ts': stub })).toEqual([])
    const misspelt = check.replace('"serverDomain"', '"serverUrl"')
    expect(typeErrors({ 'config-check.ts': misspelt, 'cli-stub.d.ts': stub }).join('\n')).toMatch(/'"serverUrl"' does not exist in type/)
  })
})

const release = (version: string, fingerprint: string, name?: string): Release => ({
  version,
  url: `https://updates.example.com/com.example.app/bundles/${version}/bundle.zip`,
  checksum: version.padEnd(64, '0'),
  size: 100,
  nativeFingerprint: fingerprint.padEnd(64, '0'),
  ...(name ? { native: { android: { name, code: name.replace('.', '') }, ios: { name } } } : {}),
  publishedAt: '2026-12-01T00:00:00.000Z'
})
/** A pointer as the action writes it: both readers' types at once. */
type TestPointer = Release & { channel: string; previous: Release[]; rollout?: Rollout }
const pointerOf = (current: Release, previous: Release[], rollout?: Rollout): TestPointer =>
  ({ ...current, channel: 'production', previous, ...(rollout ? { rollout } : {}) })

describe('the release manual mode picks', () => {
  const devices: Device[] = [
    ...['1.0', '1.1', '2.0'].map((versionName) => ({ platform: 'android' as const, versionName, deviceId: `device-${versionName}` })),
    ...Array.from({ length: 40 }, (_, i) => ({ platform: 'ios' as const, versionName: i % 2 ? '1.0' : '1.1', deviceId: `ios-${i}` }))
  ]
  const v100 = release('1.0.0', 'a', '1.0')
  const v101 = release('1.0.1', 'a')
  const v110 = release('1.1.0', 'b', '1.1')
  const channels: [string, TestPointer][] = [
    ['a web-only project (no native versions)', pointerOf(release('2.0.0', 'c'), [release('1.9.0', 'c')])],
    ['a native change: 1.0.0 for build 1.0, a later web-only 1.0.1, 1.1.0 for build 1.1', pointerOf(v110, [v101, v100])],
    ['a rollout of 1.1.0 at 30 %, replacing 1.0.1', pointerOf(v110, [v101, v100], { percent: 30, replaces: v101 })],
    ['a rollout whose replaced release is no longer listed', pointerOf(v110, [v100], { percent: 50, replaces: v101 })]
  ]

  it.each(channels)('is the one the update endpoint picks, for every device: %s', async (_name, pointer) => {
    for (const device of devices) {
      const expected = await endpointReleaseFor(pointer, pointer, device)
      expect([device.deviceId, (await releaseFor(pointer, device))?.version]).toEqual([device.deviceId, expected?.version])
    }
  })

  it('gives build 1.0 the newest bundle of its native code, build 1.1 its own, an unknown build nothing', async () => {
    const pointer = channels[1][1]
    const pick = async (versionName: string) => (await releaseFor(pointer, { platform: 'android', versionName, deviceId: 'd' }))?.version
    expect([await pick('1.0'), await pick('1.1'), await pick('0.9')]).toEqual(['1.0.1', '1.1.0', undefined])
  })
})

describe('manual mode against a registry the action published, served over http', () => {
  let workspace: string
  let server: Server
  let registryUrl: string
  const ed25519 = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
  const rsa = testRsaPems(2048)
  const device: Device = { platform: 'android', versionName: '1.0', deviceId: 'device-1' }
  const APP = 'com.example.liveupdate'

  beforeAll(async () => {
    workspace = makeWorkspace()
    const root = join(workspace, '.live-updates')
    server = createServer((request, response) => {
      try {
        response.end(readFileSync(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))))
      } catch {
        response.writeHead(404).end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    registryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(workspace, { recursive: true, force: true })
  })

  const publish = async (tag: string, signingKey: string) => {
    const result = await runAction({
      cwd: workspace, eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`),
      inputs: { 'working-directory': 'app', 'signing-key': signingKey, 'public-url': registryUrl }
    })
    expect(result.exitCode).toBe(0)
    return result
  }
  const pointerPath = () => join(workspace, '.live-updates', APP, 'channels', 'production.json')

  const signed: ['Ed25519' | 'RSA-SHA256', string, { privateKey: string; publicKey: string }][] = [
    ['Ed25519', 'v1.0.0', ed25519],
    ['RSA-SHA256', 'v1.0.1', rsa]
  ]
  it.each(signed)('finds the %s-signed release, checks its signature over the archive, and passes it to the plugin', async (algorithm, tag, pair) => {
    const result = await publish(tag, pair.privateKey)
    const registry = { url: registryUrl, appId: APP, signingKey: { algorithm, publicKeyPem: pair.publicKey } }
    const found = await findUpdate(registry, 'production', device, undefined)
    expect(found).toMatchObject({ version: tag.slice(1), url: result.outputs['bundle-url'], checksum: result.outputs.checksum })
    expect(await findUpdate(registry, 'production', device, tag.slice(1))).toBeUndefined()
    expect(await findUpdate(registry, 'pr-404', device, undefined)).toBeUndefined()
  })

  it('refuses a signature that does not verify, and a key of another pair', async () => {
    await publish('v1.0.2', ed25519.privateKey)
    const registry = { url: registryUrl, appId: APP, signingKey: { algorithm: 'Ed25519' as const, publicKeyPem: ed25519.publicKey } }
    const other = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
    await expect(findUpdate({ ...registry, signingKey: { ...registry.signingKey, publicKeyPem: other.publicKey } }, 'production', device, undefined)).rejects.toThrow('Bundle 1.0.2 has a signature that does not verify.')
    const pointer = JSON.parse(readFileSync(pointerPath(), 'utf8'))
    writeFileSync(pointerPath(), JSON.stringify({ ...pointer, checksum: 'f'.repeat(64) }))
    await expect(findUpdate(registry, 'production', device, undefined)).rejects.toThrow('Bundle 1.0.2 does not match its checksum.')
  })
})
