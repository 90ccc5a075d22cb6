import { createPrivateKey, createPublicKey, createSign, createVerify, sign as oneShotSign, verify as oneShotVerify, type KeyObject } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { UserError } from '../errors.js'

type SigningAlgorithm = 'RSA-SHA256' | 'Ed25519'

export interface SigningKey {
  privateKey: KeyObject
  /** SPKI PEM: what devices (and `openssl dgst -verify`) check signatures with. */
  publicKeyPem: string
  algorithm: SigningAlgorithm
}

export interface BundleSignature {
  /** base64 of the signature over the archive's bytes. */
  signature: string
  algorithm: SigningAlgorithm
  publicKeyPem: string
}

const FIX = 'give an unencrypted PEM private key: RSA 2048–4096 bits (PKCS#1 or PKCS#8) or Ed25519, e.g. from `openssl genpkey -algorithm ed25519`'
/** Ed25519 signs the whole message at once, so the archive is read into memory: bounded. */
const ED25519_MAX_BYTES = 512 * 1024 * 1024

/** Parses the signing-key input; the key is kept in memory only, never written to disk. */
export function parseSigningKey(pem: string): SigningKey {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new UserError(`The signing-key input is not a PEM private key (no "-----BEGIN … PRIVATE KEY-----" line): ${FIX}.`)
  }
  if (/ENCRYPTED/.test(pem)) {
    throw new UserError(`The signing-key input is encrypted with a passphrase, which the action cannot use: ${FIX}.`)
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    throw new UserError(`The signing-key input could not be read as a private key: ${FIX}.`)
  }
  const type = privateKey.asymmetricKeyType
  let algorithm: SigningAlgorithm
  if (type === 'rsa') {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < 2048 || bits > 4096) {
      throw new UserError(`The signing-key input is a ${bits}-bit RSA key, outside 2048–4096 bits: ${FIX}.`)
    }
    algorithm = 'RSA-SHA256'
  } else if (type === 'ed25519') {
    algorithm = 'Ed25519'
  } else {
    throw new UserError(`The signing-key input is a ${type ?? 'unknown'} key: ${FIX}.`)
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
  return { privateKey, publicKeyPem, algorithm }
}

async function ed25519Bytes(archivePath: string): Promise<Buffer> {
  const { size } = await stat(archivePath)
  if (size > ED25519_MAX_BYTES) {
    throw new UserError(`The bundle is ${size} bytes, over the ${ED25519_MAX_BYTES}-byte limit of Ed25519 signing (which reads the archive whole): use an RSA signing-key.`)
  }
  return readFile(archivePath)
}

/** Signs the archive's bytes: RSA-SHA256 streamed (PKCS#1 v1.5), Ed25519 in one shot. */
async function signArchive(archivePath: string, key: SigningKey): Promise<BundleSignature> {
  let signature: Buffer
  if (key.algorithm === 'Ed25519') {
    signature = oneShotSign(null, await ed25519Bytes(archivePath), key.privateKey)
  } else {
    const signer = createSign('sha256')
    await pipeline(createReadStream(archivePath), signer)
    signature = signer.sign(key.privateKey)
  }
  return { signature: signature.toString('base64'), algorithm: key.algorithm, publicKeyPem: key.publicKeyPem }
}

/** Checks a signature with a public key, as a device would. */
async function verifyArchive(archivePath: string, signatureBase64: string, publicKeyPem: string): Promise<boolean> {
  const publicKey = createPublicKey(publicKeyPem)
  const signature = Buffer.from(signatureBase64, 'base64')
  if (publicKey.asymmetricKeyType === 'ed25519') {
    return oneShotVerify(null, await ed25519Bytes(archivePath), publicKey, signature)
  }
  const verifier = createVerify('sha256')
  await pipeline(createReadStream(archivePath), verifier)
  return verifier.verify(publicKey, signature)
}

/** Signs, then verifies with the derived public key: a bundle is never published with a signature that fails. */
export async function signAndVerify(archivePath: string, key: SigningKey): Promise<BundleSignature> {
  const signed = await signArchive(archivePath, key)
  if (!(await verifyArchive(archivePath, signed.signature, key.publicKeyPem))) {
    throw new Error('The bundle signature did not verify with the public key derived from signing-key; nothing was published.')
  }
  return signed
}
