// Reads a live-update-action registry with plain GETs, with no update endpoint:
// which release this device should run, checked against its native build and the signature.

/** Your registry: where the action publishes it, and how its bundles are signed. */
export interface Registry {
  /** The action's public-url. */
  url: string
  /** capacitor.config's appId (or the action's app-id input). */
  appId: string
  /** With the signing-key input: the public key the job summary prints, and its algorithm. */
  signingKey?: { algorithm: 'RSA-SHA256' | 'Ed25519'; publicKeyPem: string }
}

export const REGISTRY: Registry = { url: 'https://updates.example.com', appId: 'com.example.app' }

type Platform = 'android' | 'ios'

/** One bundle as the channel pointer holds it (the fields this code reads). */
export interface Release {
  version: string
  url: string
  /** sha256 hex of bundle.zip. */
  checksum: string
  nativeFingerprint: string
  /** The store builds it was made for: android versionName, iOS CFBundleShortVersionString. */
  native?: Partial<Record<Platform, { name: string; code?: string }>>
  signature?: string
}

/** `<public-url>/<appId>/channels/<channel>.json`: the current release, with the earlier ones. */
export interface ChannelPointer extends Release {
  previous?: Release[]
  rollout?: { percent: number; replaces: Release }
}

export interface Device {
  platform: Platform
  /** The installed store build's version name. */
  versionName: string
  /** A stable id: it decides the device's side of a staged rollout. */
  deviceId: string
}

/** The newest release made for this device's native build; releases that record no native versions run on any. */
function newestForBuild(releases: Release[], device: Device): Release | undefined {
  if (!releases.some((release) => release.native?.[device.platform])) return releases[0]
  const built = releases.find((release) => release.native?.[device.platform]?.name === device.versionName)
  return built && releases.find((release) => release.nativeFingerprint === built.nativeFingerprint)
}

/** Whether the device falls in a rollout's share: sha256 of `<version>:<device id>`, as the update endpoint draws it. */
async function inRollout(version: string, deviceId: string, percent: number): Promise<boolean> {
  if (percent >= 100) return true
  const digest = new DataView(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${version}:${deviceId}`)))
  return Math.floor((digest.getUint32(0) / 2 ** 32) * 10000) < Math.round(percent * 100)
}

/** The release this device should run, newest first among the channel's releases. */
export async function releaseFor(pointer: ChannelPointer, device: Device): Promise<Release | undefined> {
  // Pointers written before releases kept their URLs list earlier versions without one.
  let releases = [pointer, ...(pointer.previous ?? []).filter((release) => release.url && release.version !== pointer.version)]
  const { rollout } = pointer
  if (rollout && !(await inRollout(pointer.version, device.deviceId, rollout.percent))) {
    releases = releases.slice(1)
    if (!releases.some((release) => release.version === rollout.replaces.version)) releases.unshift(rollout.replaces)
  }
  return newestForBuild(releases, device)
}

const bytesOfBase64 = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))

/**
 * Downloads the bundle and checks it as the action signed it: its sha256 is the pointer's
 * checksum, and the signature is over the archive's bytes (RSASSA-PKCS1-v1_5 with SHA-256,
 * or Ed25519). The plugin then downloads it again, and refuses any bytes with another checksum.
 */
async function checkSignature(release: Release, key: NonNullable<Registry['signingKey']>): Promise<void> {
  if (!release.signature) throw new Error(`Bundle ${release.version} is not signed.`)
  const response = await fetch(release.url)
  if (!response.ok) throw new Error(`${release.url} answered HTTP ${response.status}.`)
  const archive = await response.arrayBuffer()
  const sha256 = [...new Uint8Array(await crypto.subtle.digest('SHA-256', archive))].map((b) => b.toString(16).padStart(2, '0')).join('')
  if (sha256 !== release.checksum) throw new Error(`Bundle ${release.version} does not match its checksum.`)
  const algorithm = key.algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  const spki = bytesOfBase64(key.publicKeyPem.replace(/-----[A-Z ]+-----|\s/g, ''))
  const publicKey = await crypto.subtle.importKey('spki', spki, algorithm, false, ['verify'])
  if (!(await crypto.subtle.verify(algorithm, publicKey, bytesOfBase64(release.signature), archive))) {
    throw new Error(`Bundle ${release.version} has a signature that does not verify.`)
  }
}

/** The release to install, or undefined when the device runs it already or none is made for its build. */
export async function findUpdate(registry: Registry, channel: string, device: Device, runningVersion: string | undefined): Promise<Release | undefined> {
  const url = `${registry.url}/${registry.appId}/channels/${encodeURIComponent(channel)}.json`
  const response = await fetch(url, { cache: 'no-store' })
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}.`)
  const release = await releaseFor((await response.json()) as ChannelPointer, device)
  if (!release || release.version === runningVersion) return undefined
  if (registry.signingKey) await checkSignature(release, registry.signingKey)
  return release
}
