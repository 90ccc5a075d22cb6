import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { repoRoot } from './repo-root.js'

/**
 * What tests make once and keep for later runs (builds, answers, keys, large web dirs). Under
 * node_modules, so `npm ci` starts it afresh; each name holds what decides its contents.
 */
export const testCacheDir = join(repoRoot, 'node_modules', '.cache')

/** A name of this process beside `path`: what is made there is moved to `path` only once whole. */
export const ownTempName = (path: string): string => `${path}.tmp-${process.pid}`

/** Whether a name is one that ownTempName made (a folder still being made, or left by a killed run). */
export const isTempName = (name: string): boolean => /\.tmp-\d+$/.test(name)

/** Another jest worker reads either nothing or the whole file, never a half-written one. */
export function writeWhole(file: string, data: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(ownTempName(file), data)
  renameSync(ownTempName(file), file)
}

/** Moves a folder made under its own temp name into place; when another worker was first, its folder stays. */
export function placeWhole(temp: string, dir: string): void {
  try {
    renameSync(temp, dir)
  } catch {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** The kept text, or the one `make` returns, kept for the next time. */
function keptText(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8')
  const text = make()
  writeWhole(file, text)
  return text
}

/**
 * A test RSA key pair, made once per size and machine: making a 3072-bit key took up to
 * two seconds of CPU, in each test file that needs one.
 */
export function testRsaKeys(bits: number): { privateKey: KeyObject; publicKey: KeyObject } {
  const pem = keptText(join(testCacheDir, 'test-keys', `rsa-${bits}.pem`), () =>
    generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  )
  const privateKey = createPrivateKey(pem)
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

/** The same pair as PEM texts: PKCS#8 private key, SPKI public key. */
export function testRsaPems(bits: number): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = testRsaKeys(bits)
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string }
}
