#!/usr/bin/env node
// Checks a downloaded bundle as a device that verifies signatures would:
//   node scripts/verify-bundle.mjs bundle.zip public.pem channel-pointer.json
//   node scripts/verify-bundle.mjs bundle.zip public.pem <base64 signature>
// Exit code 0: the signature (and, with a pointer, the sha256 checksum) matches; 1: it does not.
import { createHash, createPublicKey, verify } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'

const [bundlePath, publicKeyPath, pointerOrSignature] = process.argv.slice(2)
if (!bundlePath || !publicKeyPath || !pointerOrSignature) {
  console.error('usage: verify-bundle.mjs <bundle.zip> <public.pem> <channel-pointer.json | base64 signature>')
  process.exit(2)
}
const bundle = readFileSync(bundlePath)
const publicKey = createPublicKey(readFileSync(publicKeyPath))
let signature = pointerOrSignature
if (existsSync(pointerOrSignature)) {
  const pointer = JSON.parse(readFileSync(pointerOrSignature, 'utf8'))
  const checksum = createHash('sha256').update(bundle).digest('hex')
  if (pointer.checksum !== checksum) {
    console.error(`checksum mismatch: the pointer says ${pointer.checksum}, the bundle is ${checksum}`)
    process.exit(1)
  }
  if (!pointer.signature) {
    console.error('the pointer has no signature: the bundle was published without signing-key')
    process.exit(1)
  }
  signature = pointer.signature
}
// Ed25519 signs the bytes themselves (no digest name); RSA signs their SHA-256 (PKCS#1 v1.5).
const algorithm = publicKey.asymmetricKeyType === 'ed25519' ? null : 'sha256'
const ok = verify(algorithm, bundle, publicKey, Buffer.from(signature, 'base64'))
console.log(ok ? 'signature OK' : 'signature FAILED')
process.exit(ok ? 0 : 1)
