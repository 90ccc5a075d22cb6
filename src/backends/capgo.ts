import { UserError } from '../errors.js'
import { redact, secretParts } from '../redact.js'
import type { CommandRunner } from '../command-runner.js'
import type { Backend, ChannelPointer, PublishRequest, PublishResult, RemovalResult } from '../registry/types.js'
import type { Log } from '../workflow.js'

/** Capgo's official CLI, pinned: a new version is adopted on purpose, after its flags are checked. */
export const CAPGO_CLI_VERSION = '8.68.1'
export const CAPGO_CLI = `@capgo/cli@${CAPGO_CLI_VERSION}`

export interface CapgoOptions {
  token: string
  runner: CommandRunner
  /** The environment the CLI runs in (PATH, proxies), with CAPGO_TOKEN added. */
  env: NodeJS.ProcessEnv
  log: Log
  cwd: string
  runUrl?: string
  /** Capgo's v2 private key: the CLI encrypts and signs the bundle with it. */
  encryptionKey?: string
}

const PREVIEW_CHANNEL = /^pr-\d+$/

function lastUrl(output: string): string | undefined {
  return output.match(/https?:\/\/[^\s"'<>]+/g)?.pop()
}

/** Capgo Cloud through its own CLI: Capgo stores the bundles and answers the devices. */
export class CapgoBackend implements Backend {
  readonly name = 'capgo'
  readonly location = 'Capgo Cloud'

  constructor(private readonly options: CapgoOptions) {}

  /** Capgo keeps channels itself; the action does not read them back. */
  async readPointer(): Promise<ChannelPointer | undefined> {
    return undefined
  }

  async readManifest(): Promise<undefined> {
    return undefined
  }

  private async cli(args: string[]): Promise<{ exitCode: number; output: string }> {
    const secrets = [this.options.token, this.options.encryptionKey].flatMap(secretParts)
    const shown = args.map((arg) => redact(arg, secrets))
    this.options.log.info(`[command]npx --yes ${CAPGO_CLI} ${shown.join(' ')}`)
    const result = await this.options.runner.capture('npx', ['--yes', CAPGO_CLI, ...args], {
      cwd: this.options.cwd,
      // The API key goes by CAPGO_TOKEN, never on the command line.
      env: { ...this.options.env, CAPGO_TOKEN: this.options.token },
      silent: true
    })
    const output = redact(`${result.stdout}\n${result.stderr}`.trim(), secrets)
    if (output) this.options.log.info(output)
    return { exitCode: result.exitCode, output }
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    if (!request.webDir) throw new Error('The capgo backend needs the web dir of the bundle.')
    const args = [
      'bundle', 'upload', request.appId,
      '--path', request.webDir,
      '--channel', request.channel,
      '--bundle', request.version,
      '--comment', request.manifest.commit || request.version,
      '--version-exists-ok',
      '--fail-on-incompatible',
      '--bundle-url',
      ...(this.options.runUrl ? ['--link', this.options.runUrl] : []),
      ...(PREVIEW_CHANNEL.test(request.channel) ? ['--self-assign'] : []),
      ...(this.options.encryptionKey ? ['--key-data-v2', this.options.encryptionKey] : [])
    ]
    const { exitCode, output } = await this.cli(args)
    if (exitCode !== 0) throw this.failure(output, request)
    const bundleUrl = lastUrl(output) ?? ''
    const { files: _files, nativeSources: _sources, eligibility: _verdict, appId: _appId, ...fields } = request.manifest
    const pointer: ChannelPointer = { ...fields, url: bundleUrl, previous: [] }
    const unchanged = /already exists/i.test(output)
    return { kind: unchanged ? 'unchanged' : 'published', bundleUrl, bundleCreated: !unchanged, pointer }
  }

  private failure(output: string, request: PublishRequest): UserError {
    const tail = output.split('\n').filter(Boolean).slice(-3).join(' ').slice(0, 500)
    if (/incompatible|native package/i.test(output)) {
      return new UserError(`Capgo refused the upload: the native packages of this bundle differ from those of channel ${request.channel}'s devices (${tail}); this change needs a store release, so ship a native build first.`)
    }
    if (/api ?key|unauthori[sz]ed|invalid key|401|403/i.test(output)) {
      return new UserError(`Capgo refused the capgo-token (${tail}): give an API key with upload rights from the Capgo console as the capgo-token input.`)
    }
    return new UserError(`The Capgo CLI failed to upload ${request.appId} ${request.version} (${tail}): fix what it says, then run again.`)
  }

  async removeChannel(appId: string, channel: string): Promise<RemovalResult> {
    const { exitCode, output } = await this.cli(['channel', 'delete', channel, appId, '--delete-bundle', '--success-if-not-found'])
    if (exitCode !== 0) {
      throw new UserError(`The Capgo CLI could not delete channel ${channel} of ${appId} (${output.split('\n').filter(Boolean).slice(-2).join(' ')}): check the capgo-token's rights.`)
    }
    const missing = /not found/i.test(output)
    return { removedPointer: !missing, removedVersions: [] }
  }
}
