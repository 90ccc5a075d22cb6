import type { NativeSource } from '../registry/types.js'

export interface Reason {
  /** Plain words a mobile developer understands. */
  message: string
  /** The file it is about, relative to the working directory, for an annotation. */
  file?: string
}

export type BaselineKind = 'input' | 'pull-request-base' | 'channel' | 'tag' | 'none'

export interface Verdict {
  eligible: boolean
  reasons: Reason[]
  /** Observations that do not block (a removed plugin, a first publish). */
  notes: string[]
  fingerprint: string
  nativeSources: NativeSource[]
  framework: string
  baseline: { kind: BaselineKind; description: string }
}

export interface EligibilityInput {
  projectDir: string
  webDir: string
}

/** Placeholder until the full check lands: every web bundle is eligible. */
export async function checkEligibility(_input: EligibilityInput): Promise<Verdict> {
  return {
    eligible: true,
    reasons: [],
    notes: [],
    fingerprint: '',
    nativeSources: [],
    framework: 'web',
    baseline: { kind: 'none', description: 'no baseline' }
  }
}
