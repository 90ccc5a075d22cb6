import { UserError } from './errors.js'
import type { RolloutChange } from './registry/types.js'
import { checkPreviewUrl } from './github/preview-link.js'
import { secretParts } from './redact.js'
import { checkBucket, checkPositiveInteger, checkPrefix, checkRegion, checkSegment, checkVersion } from './validate.js'

const BACKENDS = ['folder', 's3', 'capgo'] as const
type BackendName = (typeof BACKENDS)[number]
const NATIVE_CHANGE_POLICIES = ['fail', 'skip', 'publish'] as const
type OnNativeChange = (typeof NATIVE_CHANGE_POLICIES)[number]
/** What one run does; each mode other than publish lives in src/modes/. */
const MODES = ['publish', 'pack', 'publish-packed', 'promote', 'rollback', 'rollout', 'prune'] as const
export type Mode = (typeof MODES)[number]

export interface S3Inputs {
  bucket?: string
  prefix: string
  region: string
  endpoint?: string
  accessKeyId?: string
  secretAccessKey?: string
  sessionToken?: string
}

export interface Inputs {
  mode: Mode
  workingDirectory: string
  /** undefined: the project's build script; null: `none`, no build. */
  buildCommand: string | null | undefined
  webDir?: string
  appId?: string
  channel?: string
  version?: string
  backend: BackendName
  registryPath: string
  s3: S3Inputs
  publicUrl?: string
  capgoToken?: string
  capgoEncryptionKey?: string
  nativeBaseline?: string
  /** Packages whose changes the team declares JavaScript-only: the eligibility check leaves them out. */
  jsOnlyPackages: string[]
  onNativeChange: OnNativeChange
  signingKey?: string
  comment: boolean
  /** A template of the link a tester opens on the phone, with {channel}, {version}, {appId}. */
  previewUrl?: string
  /** Where the update endpoint (src/endpoint/) serves this registry: the comment shows each plugin's settings for it. */
  updateEndpointUrl?: string
  githubToken?: string
  /** The folder `pack` writes and `publish-packed` reads (the workflow artifact). */
  artifactPath: string
  /** publish-packed publishes only pull requests that carry this label. */
  previewLabel?: string
  /** promote: the channel, or the version, whose bundle goes to the channel input. */
  from?: string
  /** A staged rollout: a percentage on publish and promote; also pause or resume with mode rollout. */
  rollout?: RolloutChange
  /** prune removes open pull requests' previews published longer ago than this. */
  previewTtlDays?: number
}

export type InputReader = (name: string) => string

/** Reads inputs as the runner passes them, INPUT_<NAME> variables (as @actions/core's getInput does). */
export function inputReader(env: NodeJS.ProcessEnv): InputReader {
  return (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

function oneOf<T extends string>(input: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UserError(`The ${input} "${value}" is not known: use one of ${allowed.join(', ')}.`)
}

const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/

/** Package names, one a line or comma-separated. */
function packageNames(input: string, value: string | undefined): string[] {
  const names = (value ?? '').split(/[\s,]+/).filter(Boolean)
  const bad = names.find((name) => !PACKAGE_NAME.test(name))
  if (bad) throw new UserError(`The ${input} names "${bad}", which is not an npm package name: list package names such as @capacitor/camera, one a line or comma-separated.`)
  return names
}

/** The share of devices the rollout input asks for (publish and promote), if it names one. */
export function rolloutPercent(inputs: Pick<Inputs, 'rollout'>): number | undefined {
  return inputs.rollout && 'percent' in inputs.rollout ? inputs.rollout.percent : undefined
}

/** The rollout input: a whole percentage from 1 to 100, or pause / resume (mode rollout only). */
function rolloutInput(value: string | undefined, mode: Mode): RolloutChange | undefined {
  if (value === undefined) return undefined
  if (mode === 'rollout' && /^(pause|resume)$/i.test(value)) return { pause: value.toLowerCase() === 'pause' }
  const percent = /^\d{1,3}$/.test(value) ? Number(value) : NaN
  if (!(percent >= 1 && percent <= 100)) {
    throw new UserError(`The rollout input "${value}" is not a percentage of devices: use a whole number from 1 to 100${mode === 'rollout' ? ', or pause or resume' : ''}.`)
  }
  if (!['publish', 'promote', 'rollout'].includes(mode)) {
    throw new UserError(`The rollout input is set, but mode ${mode} does not roll out: remove it, or use mode publish, promote or rollout.`)
  }
  return { percent }
}

function booleanInput(input: string, value: string): boolean {
  if (/^(true|yes|on|1)$/i.test(value)) return true
  if (/^(false|no|off|0)$/i.test(value)) return false
  throw new UserError(`The ${input} "${value}" is not a boolean: use true or false.`)
}

function checkUrl(input: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UserError(`The ${input} "${value}" is not a URL: use an absolute URL such as https://cdn.example.com/updates.`)
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol)) {
    throw new UserError(`The ${input} "${value}" must be an http(s) URL.`)
  }
  return value.replace(/\/+$/, '')
}

/**
 * The update endpoint's base URL, as devices reach it: http(s) only, no query or fragment
 * (the plugins append their own paths to it).
 */
function checkEndpointUrl(input: string, value: string, backend: BackendName): string {
  const fix = 'use the address the update endpoint is served at, such as https://updates.example.com'
  if (backend === 'capgo') {
    throw new UserError(`The ${input} is for the folder and s3 backends, whose registry the update endpoint reads; devices of the capgo backend ask Capgo Cloud: remove the ${input}.`)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UserError(`The ${input} "${value}" is not a URL: ${fix}.`)
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new UserError(`The ${input} "${value}" must be an http(s) URL without query, fragment or credentials: ${fix}.`)
  }
  return url.href.replace(/\/+$/, '')
}

/** The whole value as given, and its parts as redact.ts hides them (multi-line PEM keys line by line). */
function maskSecret(value: string, setSecret: (value: string) => void): void {
  setSecret(value)
  for (const part of secretParts(value)) if (part !== value) setSecret(part)
}

/** Reads and validates every input up front, so nothing runs on a bad one. */
export function getInputs(read: InputReader, env: NodeJS.ProcessEnv, setSecret: (value: string) => void = () => undefined): Inputs {
  const text = (name: string): string | undefined => read(name).trim() || undefined
  const secret = (name: string, fallback?: string): string | undefined => {
    const value = text(name) ?? fallback
    if (value) maskSecret(value, setSecret)
    return value
  }

  const build = text('build-command')
  const appId = text('app-id')
  const channel = text('channel')
  const version = text('version')
  const publicUrl = text('public-url')
  const bucket = text('s3-bucket')
  const previewUrl = text('preview-url')
  const updateEndpointUrl = text('update-endpoint-url')
  const backend = oneOf('backend input', text('backend') ?? 'folder', BACKENDS)
  const endpoint = text('s3-endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL

  const mode = oneOf('mode input', text('mode') ?? 'publish', MODES)
  const from = text('from')
  return {
    mode,
    workingDirectory: text('working-directory') ?? '.',
    buildCommand: build === undefined ? undefined : build.toLowerCase() === 'none' ? null : build,
    webDir: text('web-dir'),
    appId: appId && checkSegment('app-id input', appId, 'use a reverse-DNS id such as com.example.app'),
    channel: channel && checkSegment('channel input', channel, 'use a name such as production or beta'),
    version: version && checkVersion('version input', version),
    backend,
    registryPath: text('registry-path') ?? '.live-updates',
    s3: {
      bucket: bucket && checkBucket(bucket),
      prefix: checkPrefix(text('s3-prefix') ?? ''),
      region: checkRegion(text('s3-region') ? 's3-region input' : 'region from AWS_REGION or AWS_DEFAULT_REGION', text('s3-region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'),
      endpoint: endpoint && checkUrl('s3-endpoint input', endpoint),
      accessKeyId: secret('s3-access-key-id', env.AWS_ACCESS_KEY_ID),
      secretAccessKey: secret('s3-secret-access-key', env.AWS_SECRET_ACCESS_KEY),
      sessionToken: secret('s3-session-token', env.AWS_SESSION_TOKEN)
    },
    publicUrl: publicUrl && checkUrl('public-url input', publicUrl),
    capgoToken: secret('capgo-token'),
    capgoEncryptionKey: secret('capgo-encryption-key'),
    nativeBaseline: text('native-baseline'),
    jsOnlyPackages: packageNames('js-only-packages input', text('js-only-packages')),
    onNativeChange: oneOf('on-native-change input', text('on-native-change') ?? 'fail', NATIVE_CHANGE_POLICIES),
    signingKey: secret('signing-key'),
    comment: booleanInput('comment input', text('comment') ?? 'true'),
    previewUrl: previewUrl && checkPreviewUrl('preview-url input', previewUrl),
    updateEndpointUrl: updateEndpointUrl && checkEndpointUrl('update-endpoint-url input', updateEndpointUrl, backend),
    githubToken: secret('github-token', env.GITHUB_TOKEN),
    artifactPath: text('artifact-path') ?? 'live-update-artifact',
    previewLabel: text('preview-label'),
    from: from && checkSegment('from input', from, 'name a channel such as pr-12 or beta, or a version such as 1.4.2'),
    rollout: rolloutInput(text('rollout'), mode),
    previewTtlDays: checkPositiveInteger('preview-ttl-days input', text('preview-ttl-days'), 'use a whole number of days such as 14, or leave it unset')
  }
}
