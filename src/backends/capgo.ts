import { UserError } from '../errors.js'
import type { Backend, ChannelPointer, PublishRequest, PublishResult, RemovalResult } from '../registry/types.js'
import { CapgoChannels } from './capgo-channels.js'
import { capgoCli, cliFailure, lastLines, type CapgoCli, type CapgoCliOptions } from './capgo-cli.js'
import { deletedBundles } from './capgo-output.js'

export interface CapgoOptions extends CapgoCliOptions {
  runUrl?: string
}

const PREVIEW_CHANNEL = /^pr-\d+$/

function lastUrl(output: string): string | undefined {
  return output.match(/https?:\/\/[^\s"'<>]+/g)?.pop()
}

/** Capgo Cloud through its own CLI: Capgo stores the bundles and answers the devices. */
export class CapgoBackend implements Backend {
  readonly name = 'capgo'
  readonly location = 'Capgo Cloud'
  private readonly cli: CapgoCli
  readonly hostedChannels: CapgoChannels

  constructor(private readonly options: CapgoOptions) {
    this.cli = capgoCli(options)
    this.hostedChannels = new CapgoChannels(this.cli)
  }

  /** Capgo keeps channels itself; the action does not read them back as pointers. */
  async readPointer(): Promise<ChannelPointer | undefined> {
    return undefined
  }

  async readManifest(): Promise<undefined> {
    return undefined
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
    if (exitCode !== 0) {
      throw cliFailure(output, { refused: 'the upload', doing: `upload ${request.appId} ${request.version}`, channel: request.channel, rights: 'upload rights' })
    }
    const bundleUrl = lastUrl(output) ?? ''
    const { files: _files, nativeSources: _sources, eligibility: _verdict, appId: _appId, ...fields } = request.manifest
    const pointer: ChannelPointer = { ...fields, url: bundleUrl, previous: [] }
    const unchanged = /already exists/i.test(output)
    return { kind: unchanged ? 'unchanged' : 'published', bundleUrl, bundleCreated: !unchanged, pointer }
  }

  async removeChannel(appId: string, channel: string): Promise<RemovalResult> {
    const { exitCode, stdout, output } = await this.cli(['channel', 'delete', channel, appId, '--delete-bundle', '--success-if-not-found'])
    if (exitCode !== 0) {
      throw new UserError(`The Capgo CLI could not delete channel ${channel} of ${appId} (${lastLines(output, 2)}): check the capgo-token's rights.`)
    }
    const missing = /not found/i.test(output)
    return { removedPointer: !missing, removedVersions: deletedBundles(stdout) }
  }
}
