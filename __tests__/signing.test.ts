import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync, verify } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSigningKey } from '../src/bundle/sign.js'
import { makeWorkspace, repoRoot, runAction } from './helpers/action.js'
import { runTool } from './helpers/device-readers.js'
import { pushPayload } from './helpers/payloads.js'
import { testRsaKeys } from './helpers/test-cache.js'

const APP = 'com.example.liveupdate'
/** The kept RSA key of a size, in either encoding. */
const rsa = (type: 'pkcs1' | 'pkcs8', bits = 2048) => {
  const { privateKey, publicKey } = testRsaKeys(bits)
  return { privateKey: privateKey.export({ type, format: 'pem' }) as string, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string }
}
const ed25519 = () => generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })

describe('parseSigningKey', () => {
  it('accepts RSA PKCS#1 and PKCS#8 and Ed25519, deriving the public key', () => {
    for (const pair of [rsa('pkcs1'), rsa('pkcs8'), ed25519()]) expect(parseSigningKey(pair.privateKey).publicKeyPem).toBe(pair.publicKey)
  })

  it.each([
    ['not a PEM', 'hello', /signing-key input is not a PEM private key/],
    ['a broken PEM', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', /signing-key input could not be read as a private key/],
    ['a 1024-bit RSA key', rsa('pkcs8', 1024).privateKey, /1024-bit RSA key, outside 2048–4096 bits/],
    ['an encrypted key', generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey, /encrypted with a passphrase/],
    ['an EC key', generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey, /is a ec key/]
  ])('refuses %s in one sentence naming signing-key', (_name, pem, message) => {
    expect(() => parseSigningKey(pem)).toThrow(message)
  })
})

describe('signed bundles through the built action', () => {
  let workspace: string
  beforeEach(() => {
    workspace = makeWorkspace()
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const publish = (signingKey: string, tag = 'v1.0.0') =>
    runAction({ cwd: workspace, eventName: 'push', ref: `refs/tags/${tag}`, payload: pushPayload(`refs/tags/${tag}`), inputs: { 'working-directory': 'app', 'signing-key': signingKey } })
  const published = (version = '1.0.0') => {
    const pointerPath = join(workspace, '.live-updates', APP, 'channels', 'production.json')
    const bundlePath = join(workspace, '.live-updates', APP, 'bundles', version, 'bundle.zip')
    return { pointerPath, bundlePath, pointer: JSON.parse(readFileSync(pointerPath, 'utf8')), bundle: readFileSync(bundlePath) }
  }

  const kinds: [string, () => { privateKey: string; publicKey: string }, string | null][] = [
    ['RSA PKCS#1', () => rsa('pkcs1'), 'sha256'],
    ['RSA PKCS#8', () => rsa('pkcs8'), 'sha256'],
    ['Ed25519', ed25519, null]
  ]
  it.each(kinds)('signs with %s; the signature verifies, a tampered bundle does not', async (_name, makeKey, digest) => {
    const pair = makeKey()
    const result = await publish(pair.privateKey)
    expect(result.exitCode).toBe(0)
    const { pointer, bundle, bundlePath, pointerPath } = published()
    const manifest = JSON.parse(readFileSync(join(bundlePath, '..', 'manifest.json'), 'utf8'))
    expect(manifest.signature).toBe(pointer.signature)
    const signature = Buffer.from(pointer.signature, 'base64')
    expect(verify(digest, bundle, pair.publicKey, signature)).toBe(true)
    const tampered = Buffer.from(bundle)
    tampered[100] ^= 1
    expect(verify(digest, tampered, pair.publicKey, signature)).toBe(false)
    expect(result.summary).toContain(pair.publicKey.trim().split('\n')[1])

    const keyPath = join(workspace, 'public.pem')
    writeFileSync(keyPath, pair.publicKey)
    const script = join(repoRoot, 'scripts', 'verify-bundle.mjs')
    expect(spawnSync(process.execPath, [script, bundlePath, keyPath, pointerPath]).status).toBe(0)
    writeFileSync(bundlePath, tampered)
    expect(spawnSync(process.execPath, [script, bundlePath, keyPath, pointer.signature]).status).toBe(1)
  })

  it('an RSA signature verifies with openssl dgst -sha256 -verify', async () => {
    const pair = rsa('pkcs8', 3072)
    expect((await publish(pair.privateKey)).exitCode).toBe(0)
    const { pointer, bundlePath } = published()
    writeFileSync(join(workspace, 'sig.bin'), Buffer.from(pointer.signature, 'base64'))
    writeFileSync(join(workspace, 'pub.pem'), pair.publicKey)
    const checked = await runTool('openssl', ['dgst', '-sha256', '-verify', join(workspace, 'pub.pem'), '-signature', join(workspace, 'sig.bin'), bundlePath])
    expect({ code: checked.code, stdout: checked.stdout.trim() }).toEqual({ code: 0, stdout: 'Verified OK' })
  })

  it('refuses a malformed key before building, with the key nowhere in the output', async () => {
    const secretish = 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu'
    const result = await publish(`-----BEGIN RSA PRIVATE KEY-----\n${secretish}\n-----END RSA PRIVATE KEY-----`)
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::The signing-key input could not be read as a private key: give an unencrypted PEM private key/)
    expect(existsSync(join(workspace, '.live-updates'))).toBe(false)
    expect(result.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(secretish)
    expect(result.summary).not.toContain(secretish)
  })

  it('keeps the private key out of every log line, output and the summary', async () => {
    const pair = ed25519()
    const result = await publish(pair.privateKey)
    expect(result.exitCode).toBe(0)
    const body = pair.privateKey.split('\n')[1]
    expect(result.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(body)
    expect(result.summary).not.toContain(body)
    expect(JSON.stringify(result.outputs)).not.toContain(body)
  })

  it('redacts secrets that an error message would echo', async () => {
    const token = 'ghs_' + 'x1y2z3'.repeat(6)
    const result = await runAction({
      cwd: workspace,
      eventName: 'push',
      ref: 'refs/tags/v1.0.0',
      payload: pushPayload('refs/tags/v1.0.0'),
      inputs: { 'working-directory': 'app', 'github-token': token, 'build-command': `test ${token} = nothing` }
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::The build-command input failed')
    expect(result.stdout.replace(/::add-mask::.*\n/g, '').replace(/\[command\].*\n/g, '')).not.toContain(token)
    expect(result.summary).not.toContain(token)
  })
})
