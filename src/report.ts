import type { BundleComparison } from './bundle/diff.js'
import type { Verdict } from './eligibility/index.js'
import type { Preview } from './github/preview-link.js'
import type { ChannelPointer, PublishResult, RemovalResult, RolloutChange } from './registry/types.js'
import type { StageTiming } from './stages.js'
import type { Target } from './target.js'

interface PackedSummary {
  size: number
  checksum: string
  fileCount: number
}

/** A channel before and after a release operation. */
export interface ChannelMove {
  operation: 'promote' | 'rollback' | 'rollout'
  channel: string
  before?: ChannelPointer
  after: ChannelPointer
  /** The channel already pointed at that bundle: nothing changed. */
  unchanged?: boolean
}
/** What prune decided for one preview channel, and why. */
export type PreviewFate =
  | { kind: 'removed'; channel: string; pullRequest: number; why: 'closed' | 'expired'; ageDays?: number; removal: RemovalResult }
  | { kind: 'kept'; channel: string; pullRequest: number; ageDays?: number }

/** What the run did, in one value: the outputs, the summary and the comment are all views of it. */
export type Outcome =
  | { kind: 'published'; result: PublishResult; bundle: PackedSummary }
  | { kind: 'skipped'; reason: string; bundle?: PackedSummary }
  | { kind: 'removed'; removal: RemovalResult }
  /** Promote, rollback or rollout: a channel changed without anything built or uploaded. */
  | { kind: 'moved'; move: ChannelMove }
  /**
   * A rollout changed on a backend that cannot show one (Capgo): `stable` is what devices
   * outside it get; `finished`, after a rollout of 100, what every device gets now.
   */
  | { kind: 'rollout-changed'; channel: string; change: RolloutChange; stable: string; finished?: string }
  /** `agesUnknown`: the backend does not tell when a channel was published (Capgo), so preview-ttl-days could not apply. */
  | { kind: 'pruned'; previews: PreviewFate[]; ttlDays?: number; otherChannels: string[]; agesUnknown?: true }
  | { kind: 'failed'; error: string }

export interface RunReport {
  appId?: string
  /** The app's folder: in a monorepo, what tells two apps' comments apart. */
  workingDirectory?: string
  backend: string
  backendLocation?: string
  target?: Target
  verdict?: Verdict
  outcome: Outcome
  timings: StageTiming[]
  runUrl?: string
  /** Present when the bundle was signed: devices verify with this public key. */
  signing?: { algorithm: string; publicKeyPem: string }
  /** This bundle against what the devices it will reach run now. */
  bundleComparison?: BundleComparison
  /** The link a tester opens on the phone (the preview-url input), and its QR code. */
  preview?: Preview
  /** The update endpoint's address (the update-endpoint-url input): the comment shows each plugin's settings for it. */
  updateEndpointUrl?: string
  /** What a maintainer must fix for devices to take the update, in the log, the summary and the comment. */
  warnings?: string[]
}
