/*
 * A channel's releases and which one a device gets (docs/architecture.md, Native builds
 * and rollouts). Pure and free of Node modules: the update endpoint (src/endpoint/) runs
 * it on Workers, Deno and Bun as well as Node.
 */

/** A native app version as a store build carries it. */
export interface NativeVersion {
  /** Android versionName, iOS MARKETING_VERSION (CFBundleShortVersionString). */
  name: string
  /** Android versionCode, iOS CURRENT_PROJECT_VERSION (CFBundleVersion), when the project sets one. */
  code?: string
}

export const PLATFORMS = ['android', 'ios'] as const
export type Platform = (typeof PLATFORMS)[number]

/** The native app versions read from the native projects when a bundle was published. */
export type NativeVersions = Partial<Record<Platform, NativeVersion>>

/** One bundle as a channel holds it: what a device needs to download, verify and place it. */
export interface Release {
  version: string
  url: string
  checksum: string
  size: number
  /** sha256 of the native sources the bundle was built against: bundles with one fingerprint run on the same native builds. */
  nativeFingerprint: string
  /** The native versions of the store builds made from those sources, when the project has native folders. */
  native?: NativeVersions
  signature?: string
  publishedAt: string
  /** Set when a promote brought the bundle to this channel: the channel or version it came from. */
  promotedFrom?: string
}

/** A staged rollout: `percent` of devices get the channel's current release, the others `replaces`. */
export interface Rollout {
  percent: number
  /** The release the current one replaces, for devices outside the rollout. */
  replaces: Release
  /** Set while a later run holds the rollout where it is. */
  paused?: boolean
}

/** What a device tells about itself, in either plugin's protocol. */
export interface DeviceBuild {
  platform: Platform
  /** The installed store build's version name (Capgo: version_build). */
  versionName: string
  versionCode?: string
  /** A stable id of the device: it decides the device's side of a rollout. */
  deviceId: string
}

/** The fields of a channel pointer that release selection reads besides its current release. */
export interface ReleaseChannel {
  previous?: Release[]
  rollout?: Rollout
}

/** How many releases a pointer keeps beyond the newest of each native build and version. */
export const RELEASES_KEPT = 10

/**
 * The releases a pointer keeps, newest first: the last RELEASES_KEPT, plus the newest of
 * each native fingerprint and the newest that names each native version, so a device on
 * an old store build is still matched after many releases for newer ones.
 */
export function retainReleases(releases: Release[]): Release[] {
  const seen = new Set<string>()
  return releases.filter((release, index) => {
    const keys = [`fingerprint:${release.nativeFingerprint}`, ...nativeKeys(release)]
    const firstOfAKey = keys.some((key) => !seen.has(key))
    for (const key of keys) seen.add(key)
    return index < RELEASES_KEPT || firstOfAKey
  })
}

function nativeKeys(release: Release): string[] {
  return PLATFORMS.flatMap((platform) => {
    const version = release.native?.[platform]
    return version ? [`${platform}:${version.name}`] : []
  })
}

/**
 * The newest release of `releases` (newest first) that runs on the device's native build,
 * or undefined: a device never gets a bundle built against other native code. The device's
 * version name is matched to the fingerprint of the releases published for it; releases of
 * a project without native folders record no versions and run on any build.
 */
export function newestCompatible(releases: Release[], device: DeviceBuild): Release | undefined {
  const recordsVersions = releases.some((release) => release.native?.[device.platform])
  if (!recordsVersions) return releases[0]
  const built = releases.find((release) => release.native?.[device.platform]?.name === device.versionName)
  if (!built) return undefined
  return releases.find((release) => release.nativeFingerprint === built.nativeFingerprint)
}

/** A number in [0, 10000) from sha256 of the key: the same key always gives the same number. */
async function rolloutBucket(key: string): Promise<number> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)))
  const word = ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0
  return Math.floor((word / 2 ** 32) * 10000)
}

/**
 * Whether a device is in a rollout of `percent`. The key is the device id and the version
 * rolled out: raising the percentage only adds devices, and each rollout draws its own share.
 */
export async function inRollout(deviceId: string, version: string, percent: number): Promise<boolean> {
  if (percent >= 100) return true
  return (await rolloutBucket(`${version}:${deviceId}`)) < Math.round(percent * 100)
}

/**
 * The release a device on this channel gets: during a rollout, devices outside its share
 * are answered as if the current release were not there.
 */
export async function releaseFor(current: Release, channel: ReleaseChannel, device: DeviceBuild): Promise<Release | undefined> {
  const history = [current, ...(channel.previous ?? []).filter((release) => release.version !== current.version)]
  const rollout = channel.rollout
  if (rollout && !(await inRollout(device.deviceId, current.version, rollout.percent))) {
    const others = history.filter((release) => release.version !== current.version)
    const withReplaced = others.some((release) => release.version === rollout.replaces.version) ? others : [rollout.replaces, ...others]
    return newestCompatible(withReplaced, device)
  }
  return newestCompatible(history, device)
}
