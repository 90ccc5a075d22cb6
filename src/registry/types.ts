import type { BundleFile } from '../bundle/pack.js'
import type { PreviousBundle } from '../bundle/reuse.js'
import type { NativeVersions, Release, Rollout } from './releases.js'

/**
 * What a device fetches with a plain GET. `version`, `url` and `checksum` are those of
 * @capgo/capacitor-updater's self-hosted update response.
 */
export interface ChannelPointer {
  version: string
  url: string
  checksum: string
  size: number
  nativeFingerprint: string
  channel: string
  publishedAt: string
  commit: string
  signature?: string
  /** The native app versions of the store builds this bundle was made for (docs/architecture.md, Native builds and rollouts). */
  native?: NativeVersions
  /** The channel's earlier releases, newest first (retainReleases in registry/releases.ts); pointers of earlier versions hold only version and checksum. */
  previous: Release[]
  /** A staged rollout of the current release, when one is under way. */
  rollout?: Rollout
  /** Set when a promote brought the current bundle here: the channel or version it came from. */
  promotedFrom?: string
  /** Set by a rollback: the version the channel went back from. */
  rolledBackFrom?: string
}

/** A native source of the fingerprint: a label (file path or package) and its hash. */
export interface NativeSource {
  label: string
  kind: 'file' | 'plugin' | 'config' | 'patch'
  hash: string
  /** For a plugin: its installed version. */
  version?: string
  /**
   * For a plugin: what its lockfile pins beyond the version (`integrity:…`, `checksum:…`,
   * `git:<commit>`, `tarball:<url>`, `local:<path>`), when the lockfile names it.
   */
  identity?: string
  /** For a patch: the package(s) it patches. */
  patches?: string
}

interface EligibilityRecord {
  eligible: boolean
  reasons: string[]
  framework: string
}

export interface Manifest extends Omit<ChannelPointer, 'previous' | 'rollout' | 'promotedFrom' | 'rolledBackFrom'> {
  appId: string
  files: BundleFile[]
  /** Set when the publish stored the files under <appId>/files/ (registry/files.ts); older bundles lack it. */
  contentAddressedFiles?: true
  nativeSources: NativeSource[]
  eligibility: EligibilityRecord
}

/** Everything a backend needs to publish one bundle to one channel. */
export interface PublishRequest {
  appId: string
  channel: string
  version: string
  archivePath: string
  checksum: string
  /** MD5 hex of the archive, when the pack made it (PackedBundle.md5). */
  md5?: string
  size: number
  /** The folder the archive was made from (the capgo backend uploads it with its own CLI). */
  webDir?: string
  /** The manifest without its `url`, which the backend knows. */
  manifest: Omit<Manifest, 'url'>
  /**
   * Set only by an explicit rollback: lets the pointer move to a lower version. A publish
   * moves a channel forward only (see isForward in registry/order.ts).
   */
  allowBackward?: boolean
  /** The pull request was reopened: its preview channel, closed before, may be published again. */
  reopensChannel?: boolean
  /** Reads the backend started before the bundle was packed (Backend.prefetchPublish). */
  prefetched?: PublishPrefetch
  /** A staged rollout (1–99 percent): the pointer records it with the release it replaces. */
  rollout?: number
  /** A promote: where the bundle came from (a channel, or a version), recorded with the release. */
  promotedFrom?: string
}

/** Points a channel at a version already in the registry (promote, rollback): nothing is uploaded. */
export interface ChannelMoveRequest {
  appId: string
  channel: string
  /** The stored manifest of the version the channel moves to. */
  manifest: Manifest
  /** A rollback: the one move that may go to a lower version; newer releases leave the history. */
  rollback?: boolean
  rollout?: number
  promotedFrom?: string
}

/** A change of a channel's rollout: a new percentage (100 finishes it), or holding it where it is. */
export type RolloutChange = { percent: number } | { pause: boolean }

export type RolloutResult = { before: ChannelPointer; after: ChannelPointer }

export type PublishResult = {
  kind: 'published' | 'unchanged'
  bundleUrl: string
  bundleCreated: boolean
  pointer: ChannelPointer
  /** The pointer the channel had before, if any (for size deltas and notes). */
  previousPointer?: ChannelPointer
  /** The bundle's content-addressed files this publish sent; absent on backends without them. */
  files?: StoredFiles
}

/** What a publish sent of a bundle's content-addressed files (registry/files.ts). */
export interface StoredFiles {
  uploaded: number
  /** Bytes sent, as stored (brotli-compressed where the format allows). */
  uploadedBytes: number
  alreadyStored: number
}

/** What a publish did: the channel points at the bundle, or it did not move and why. */
export type PublishAttempt =
  | PublishResult
  /** The bundle is stored, but the channel already names a higher version: the pointer did not move. */
  | { kind: 'behind'; bundleUrl: string; bundleCreated: boolean; current: ChannelPointer }
  /** The channel's pull request was closed: nothing of this run is left in the registry. */
  | { kind: 'closed' }

export interface RemovalResult {
  removedPointer: boolean
  removedVersions: string[]
}

/** A channel as a service that keeps its own registry lists it: its name, and the version it sends, if one is linked. */
export interface HostedChannel {
  name: string
  version?: string
}

export interface VersionMove {
  rollout?: number
  endRollout?: boolean
  input: string
}

/**
 * The channel operations of a service that keeps its own registry (Capgo Cloud, through its
 * CLI): versions by name, no manifests, no history, no reading of a rollout.
 */
export interface HostedChannels {
  list(appId: string): Promise<HostedChannel[]>
  /** The version the channel sends (to the devices outside a rollout). */
  currentVersion(appId: string, channel: string): Promise<string>
  /**
   * Points the channel at a stored version: for every device, or with `rollout` (1–99) as a
   * rollout beside the current one; `endRollout` ends one under way. `input` named the version.
   */
  setVersion(appId: string, channel: string, version: string, options: VersionMove): Promise<void>
  /** Raises, pauses, resumes or (at 100) finishes the channel's rollout. */
  changeRollout(appId: string, channel: string, change: RolloutChange): Promise<void>
}

/** A channel's current release: its pointer and the manifest it names (with the same checksum). */
export interface CurrentRelease {
  pointer: ChannelPointer
  manifest: Manifest
}

/**
 * What a publish reads before it needs it: started as soon as the app is known, it runs
 * beside the build, the check and the pack. Each is undefined when there is none, or it
 * could not be read (the stage that needs it reads again, or does without).
 */
export interface PublishPrefetch {
  /** The target channel's current release: the eligibility check's channel baseline. */
  current: Promise<CurrentRelease | undefined>
  /**
   * The release the publish starts from: the target channel's current one, else (a pull
   * request's first publish) that of the first channel devices run it against
   * (comparisonChannels). Its files are in the registry, so only the others are asked about.
   */
  base: Promise<CurrentRelease | undefined>
  /**
   * Starts reading the base release's bundle into the run's folder, for the pack to reuse
   * its entries (src/bundle/reuse.ts). Called by the pack only when it will take them: a
   * small bundle is deflated whole sooner than the previous one would arrive. `signal`
   * stops the transfer when the pack is cancelled.
   */
  readPreviousBundle(signal: AbortSignal): Promise<PreviousBundle | undefined>
}

/** Where bundles go: the folder and S3 registries, or a hosted service. */
export interface Backend {
  readonly name: string
  /** Where, in words without secrets: a path, s3://bucket/prefix, a service. */
  readonly location: string
  readPointer(appId: string, channel: string): Promise<ChannelPointer | undefined>
  readManifest(appId: string, version: string): Promise<Manifest | undefined>
  publish(request: PublishRequest): Promise<PublishAttempt>
  /** Its uploads carry the archive's MD5 (S3's Content-MD5): the pack makes it (PublishRequest.md5). */
  readonly sendsContentMd5?: boolean
  /**
   * Starts the reads of a coming publish of the app to `channels[0]` (see PublishPrefetch),
   * the base taken from the first of `channels` with a release, into the folder `dir`;
   * absent where a publish reads nothing ahead.
   */
  prefetchPublish?(appId: string, channels: readonly string[], dir: string): PublishPrefetch
  removeChannel(appId: string, channel: string): Promise<RemovalResult>
  /** Promote and rollback; absent on backends that keep their own registry. */
  moveChannel?(request: ChannelMoveRequest): Promise<PublishAttempt>
  /** Raises, pauses, resumes or finishes a staged rollout; absent where the update endpoint cannot apply one. */
  changeRollout?(appId: string, channel: string, change: RolloutChange): Promise<RolloutResult>
  /** The app's channels with a pointer, by name; absent on backends that keep channels elsewhere (Capgo). */
  listChannels?(appId: string): Promise<string[]>
  /** Present on backends that keep channels elsewhere (Capgo): the release operations go through them. */
  readonly hostedChannels?: HostedChannels
  /**
   * Stores the preview link's QR code (SVG) next to a version's bundle and returns the URL
   * a browser loads it from; absent on backends that host no files of their own.
   */
  storePreviewQrCode?(appId: string, version: string, svg: string): Promise<string>
}
