import { UserError } from '../errors.js'
import type { HostedChannel, HostedChannels, RolloutChange, VersionMove } from '../registry/types.js'
import { cliFailure, lastLines, type CapgoCli } from './capgo-cli.js'
import { channelTable, quietVersion } from './capgo-output.js'

/** Rights of a Capgo API key that may change channels: the console's "all" or "write" keys. */
const CHANNEL_RIGHTS = 'rights to change channels (all or write)'

/** The `channel set` flags of a rollout change (`channel set --help` of the pinned CLI). */
function rolloutFlags(change: RolloutChange): string[] {
  if ('pause' in change) return [change.pause ? '--rollout-pause' : '--rollout-resume']
  return change.percent >= 100 ? ['--rollout-promote'] : ['--rollout-percentage', String(change.percent)]
}

/** Capgo Cloud's channels through its pinned CLI: `channel list`, `currentBundle` and `set`. */
export class CapgoChannels implements HostedChannels {
  constructor(private readonly cli: CapgoCli) {}

  async list(appId: string): Promise<HostedChannel[]> {
    const { exitCode, stdout, output } = await this.cli(['channel', 'list', appId])
    if (exitCode !== 0) throw cliFailure(output, { refused: `to list the channels of ${appId}`, doing: `list the channels of ${appId}`, channel: '', rights: 'rights to read the app' })
    const channels = channelTable(stdout)
    if (!channels) throw new Error(`The Capgo CLI's channel list of ${appId} holds no channel table (${lastLines(output, 3)}); nothing was changed: run again, and report it if it stays.`)
    return channels
  }

  async currentVersion(appId: string, channel: string): Promise<string> {
    const { exitCode, stdout, output } = await this.cli(['channel', 'currentBundle', channel, appId, '--quiet'])
    const version = exitCode === 0 ? quietVersion(stdout) : undefined
    if (!version) throw new UserError(`The Capgo CLI did not tell the bundle of channel ${channel} of ${appId} (${lastLines(output, 2)}): check the channel input and that the channel has a bundle in the Capgo console.`)
    return version
  }

  setVersion(appId: string, channel: string, version: string, options: VersionMove): Promise<void> {
    const target = options.rollout === undefined ? ['--bundle', version] : ['--rollout-bundle', version, '--rollout-percentage', String(options.rollout)]
    const what = options.rollout === undefined ? `to point ${channel} at ${version}` : `to roll ${version} out to ${options.rollout} % of ${channel}`
    return this.set(appId, channel, [...target, ...(options.endRollout ? ['--rollout-rollback'] : [])], what, { version, input: options.input })
  }

  changeRollout(appId: string, channel: string, change: RolloutChange): Promise<void> {
    return this.set(appId, channel, rolloutFlags(change), `to change the rollout of ${channel}`)
  }

  /** `channel set`; `named` is the version the flags name, and the input that named it. */
  private async set(appId: string, channel: string, flags: string[], what: string, named?: { version: string; input: string }): Promise<void> {
    const { exitCode, output } = await this.cli(['channel', 'set', channel, appId, ...flags])
    if (exitCode === 0) return
    // The CLI's words for an unknown version: "App version <appId>@<version> doesn't exist".
    if (named && /doesn't exist/i.test(output)) {
      throw new UserError(`Version ${named.version} of ${appId} is not in Capgo Cloud (${lastLines(output, 2)}): check the ${named.input} input, or upload that version first.`)
    }
    throw cliFailure(output, { refused: what, doing: `set channel ${channel} of ${appId}`, channel, rights: CHANNEL_RIGHTS })
  }
}
