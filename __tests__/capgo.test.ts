import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CapgoBackend } from '../src/backends/capgo.js'
import { CAPGO_CLI, CAPGO_CLI_VERSION } from '../src/backends/capgo-cli.js'
import type { CommandRunner } from '../src/command-runner.js'
import type { PublishRequest } from '../src/registry/types.js'
import { makeWorkspace, runAction } from './helpers/action.js'
import { channelTable, deletedBundles, quietVersion } from '../src/backends/capgo-output.js'
import { capgoStandIn, type CapgoStandIn } from './helpers/capgo-standin.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { testCacheDir, writeWhole } from './helpers/test-cache.js'

const TOKEN = 'capgo_' + 'k3y'.repeat(10)

describe('the capgo backend with a stand-in CLI', () => {
  let workspace: string
  let cli: CapgoStandIn
  beforeEach(() => {
    workspace = makeWorkspace()
    cli = capgoStandIn(workspace)
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const calls = () => cli.calls()
  const run = (eventName: string, payload: Record<string, any>, ref: string, mode = 'ok', inputs: Record<string, string> = {}) =>
    runAction({
      cwd: workspace,
      eventName,
      ref,
      payload,
      inputs: { 'working-directory': 'app', backend: 'capgo', 'capgo-token': TOKEN, ...inputs },
      env: { PATH: `${cli.bin}:${process.env.PATH}`, STANDIN_MODE: mode }
    })

  it('uploads a tag with the exact arguments, the key only in CAPGO_TOKEN', async () => {
    const result = await run('push', pushPayload('refs/tags/v1.2.3'), 'refs/tags/v1.2.3')
    expect(result.exitCode).toBe(0)
    const [call] = calls()
    expect(call.argv).toEqual([
      '--yes', CAPGO_CLI, 'bundle', 'upload', 'com.example.liveupdate',
      '--path', join(workspace, 'app', 'dist'),
      '--channel', 'production',
      '--bundle', '1.2.3',
      '--comment', 'a'.repeat(40),
      '--version-exists-ok',
      '--fail-on-incompatible',
      '--bundle-url',
      '--link', 'https://github.com/Codertocat/Hello-World/actions/runs/1234'
    ])
    expect(call.token).toBe(TOKEN)
    expect(result.outputs).toMatchObject({ published: 'true', 'bundle-url': 'https://api.capgo.app/bundle/com.example.liveupdate/1.2.3.zip', eligible: 'true' })
    expect(result.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(TOKEN)
  })

  it('opens a preview channel to self-assignment and passes Capgo encryption keys', async () => {
    const result = await run('pull_request', pullRequestPayload('opened'), 'refs/pull/2/merge', 'ok', { 'capgo-encryption-key': 'PRIVATE-KEY-DATA-123' })
    expect(result.exitCode).toBe(0)
    const [call] = calls()
    expect(call.argv).toEqual(expect.arrayContaining(['--channel', 'pr-2', '--self-assign', '--key-data-v2', 'PRIVATE-KEY-DATA-123']))
    expect(result.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain('PRIVATE-KEY-DATA-123')
  })

  it('succeeds on a re-run of an existing version', async () => {
    const result = await run('push', pushPayload('refs/tags/v1.2.3'), 'refs/tags/v1.2.3', 'exists')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('1.2.3 was already on production: nothing changed')
  })

  it('deletes the preview channel and its bundles on a closed pull request', async () => {
    const result = await run('pull_request', pullRequestPayload('closed'), 'refs/pull/2/merge')
    expect(result.exitCode).toBe(0)
    expect(calls()[0].argv).toEqual(['--yes', CAPGO_CLI, 'channel', 'delete', 'pr-2', 'com.example.liveupdate', '--delete-bundle', '--success-if-not-found'])
  })

  it("reports Capgo's native-package refusal in the verdict's words", async () => {
    const result = await run('push', pushPayload('refs/tags/v1.2.3'), 'refs/tags/v1.2.3', 'incompatible')
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::Capgo refused the upload: the native packages of this bundle differ from those of channel production's devices \(.*@capacitor\/camera 6\.0\.0 -> 7\.0\.0\); this change needs a store release/)
  })

  it('shows the CLI message without the key', async () => {
    const result = await run('push', pushPayload('refs/tags/v1.2.3'), 'refs/tags/v1.2.3', 'echo-key')
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::Capgo refused the capgo-token (Invalid API key ***)')
    expect(result.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(TOKEN)
  })

  it('skips with a notice without a capgo-token', async () => {
    const result = await run('push', pushPayload('refs/tags/v1.2.3'), 'refs/tags/v1.2.3', 'ok', { 'capgo-token': '' })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('::notice::Nothing was published: The capgo backend has no API key')
    expect(calls()).toEqual([])
  })
})

describe('promote, rollback, rollout and prune on Capgo through its CLI', () => {
  const APP = 'com.example.liveupdate'
  const GITHUB_TOKEN = 'ghs_' + 'C4pg0Pr0ne'.repeat(4)
  let github: FakeGitHub
  let workspace: string
  let cli: CapgoStandIn
  beforeAll(async () => { github = await startFakeGitHub() })
  afterAll(() => github.close())
  beforeEach(() => {
    workspace = makeWorkspace()
    cli = capgoStandIn(workspace)
    cli.setState({
      channels: { production: { version: '1.2.0' }, 'pr-2': { version: '1.3.0-pr.2.7' }, beta: {} },
      versions: ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.3.0-pr.2.7']
    })
    github.reset()
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const dispatch = (inputs: Record<string, string>, eventName = 'workflow_dispatch') =>
    runAction({
      cwd: workspace, eventName, payload: eventName === 'schedule' ? { schedule: '17 3 * * *' } : {},
      inputs: { 'working-directory': 'app', backend: 'capgo', 'capgo-token': TOKEN, comment: 'false', ...inputs },
      env: { PATH: `${cli.bin}:${process.env.PATH}`, GITHUB_API_URL: github.url }
    })
  const commands = () => cli.calls().map((call) => call.argv.slice(2))
  const clean = (stdout: string) => stdout.replace(/::add-mask::.*\n/g, '')

  it('promotes a preview to production by linking its version, and says the native check is Capgo\'s', async () => {
    const result = await dispatch({ mode: 'promote', from: 'pr-2', channel: 'production' })
    expect(result.exitCode).toBe(0)
    expect(commands()).toEqual([
      ['channel', 'list', APP],
      ['channel', 'currentBundle', 'pr-2', APP, '--quiet'],
      ['channel', 'currentBundle', 'production', APP, '--quiet'],
      ['channel', 'set', 'production', APP, '--bundle', '1.3.0-pr.2.7']
    ])
    expect(cli.calls().every((call) => call.token === TOKEN)).toBe(true)
    expect(cli.state().channels.production).toEqual({ version: '1.3.0-pr.2.7' })
    expect(result.outputs).toMatchObject({ channel: 'production', version: '1.3.0-pr.2.7', 'previous-version': '1.2.0', rollout: '100', published: 'false' })
    expect(result.summary).toContain('**Promoted** `1.3.0-pr.2.7` from `pr-2` to channel `production`, which had `1.2.0`')
    expect(result.summary).not.toContain('Archive checksum')
    expect(result.stdout).toContain("Eligibility: not checked by the action: Capgo Cloud keeps no manifest it can read, so 1.3.0-pr.2.7's native sources cannot be compared with those of production's bundle 1.2.0; the Capgo CLI compares the bundles' native packages itself and refuses an incompatible one")
    expect(clean(result.stdout)).not.toContain(TOKEN)
  })

  it('promotes a version as a rollout, skips a promote backward, and names the from input for an unknown version', async () => {
    const rollout = await dispatch({ mode: 'promote', from: '1.3.0', channel: 'production', rollout: '10' })
    expect(rollout.exitCode).toBe(0)
    expect(commands().at(-1)).toEqual(['channel', 'set', 'production', APP, '--rollout-bundle', '1.3.0', '--rollout-percentage', '10'])
    expect(rollout.outputs).toMatchObject({ version: '1.3.0', rollout: '10', 'previous-version': '1.2.0' })
    expect(rollout.summary).toContain('for 10 % of its devices (the others keep `1.2.0`)')

    const backward = await dispatch({ mode: 'promote', from: '1.1.0', channel: 'production' })
    expect(backward.exitCode).toBe(0)
    expect(backward.stdout).toContain('production stays on 1.2.0, which is newer: a promote moves a channel only forward')
    const unknown = await dispatch({ mode: 'promote', from: '9.9.9', channel: 'production' })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stdout).toMatch(/::error::Version 9\.9\.9 of com\.example\.liveupdate is not in Capgo Cloud \(.*doesn't exist\): check the from input, or upload that version first\./)
    const missing = await dispatch({ mode: 'promote', from: 'pr-2', channel: 'staging' })
    expect(missing.stdout).toContain('::error::Channel staging of com.example.liveupdate is not in Capgo Cloud: check the channel input, or create the channel in the Capgo console first.')
    expect(cli.state().channels.production).toEqual({ version: '1.2.0', rollout: { version: '1.3.0', percent: 10 } })
  })

  it('rolls back only to a named version, for every device, ending a rollout', async () => {
    const unnamed = await dispatch({ mode: 'rollback', channel: 'production' })
    expect(unnamed.exitCode).toBe(1)
    expect(unnamed.stdout).toContain("::error::Mode rollback on the capgo backend needs the version input: Capgo Cloud's CLI does not tell a channel's earlier bundles, so name the version to go back to, such as 1.2.0.")
    const newer = await dispatch({ mode: 'rollback', channel: 'production', version: '1.3.0' })
    expect(newer.stdout).toContain('::error::The version input 1.3.0 is newer than 1.2.0, which production points at, and a rollback goes back')
    expect(commands().filter((args) => args[1] === 'set')).toEqual([])

    const named = await dispatch({ mode: 'rollback', channel: 'production', version: '1.1.0' })
    expect(named.exitCode).toBe(0)
    expect(commands().at(-1)).toEqual(['channel', 'set', 'production', APP, '--bundle', '1.1.0', '--rollout-rollback'])
    expect(named.outputs).toMatchObject({ version: '1.1.0', 'previous-version': '1.2.0', rollout: '100' })
    expect(named.summary).toContain('**Rolled back** channel `production` from `1.2.0` to the older `1.1.0`')
  })

  it('raises, pauses, resumes and finishes a rollout with the CLI\'s rollout flags', async () => {
    expect((await dispatch({ mode: 'promote', from: '1.3.0', channel: 'production', rollout: '10' })).exitCode).toBe(0)
    const fifty = await dispatch({ mode: 'rollout', channel: 'production', rollout: '50' })
    expect(fifty.exitCode).toBe(0)
    expect(fifty.outputs).toMatchObject({ channel: 'production', version: '', rollout: '50' })
    expect(fifty.summary).toContain('**Rollout** on `production`: its rollout bundle reaches 50 % of devices; devices outside it keep `1.2.0`')
    const paused = await dispatch({ mode: 'rollout', channel: 'production', rollout: 'pause' })
    expect(paused.summary).toContain('**Rollout paused** on `production`')
    expect(cli.state().channels.production.rollout).toEqual({ version: '1.3.0', percent: 50, paused: true })
    expect((await dispatch({ mode: 'rollout', channel: 'production', rollout: 'resume' })).exitCode).toBe(0)
    const done = await dispatch({ mode: 'rollout', channel: 'production', rollout: '100' })
    expect(done.exitCode).toBe(0)
    expect(done.outputs).toMatchObject({ version: '1.3.0', 'previous-version': '1.2.0', rollout: '100' })
    expect(done.summary).toContain('**Rollout finished:** every device of `production` gets `1.3.0`')
    expect(commands().filter((args) => args[1] === 'set').map((args) => args.slice(4))).toEqual([
      ['--rollout-bundle', '1.3.0', '--rollout-percentage', '10'],
      ['--rollout-percentage', '50'],
      ['--rollout-pause'],
      ['--rollout-resume'],
      ['--rollout-promote']
    ])
    expect(cli.state().channels.production).toEqual({ version: '1.3.0' })
  })

  it('refuses a publish with the rollout input in one sentence', async () => {
    const result = await runAction({ cwd: workspace, eventName: 'push', ref: 'refs/tags/v1.2.3', payload: pushPayload('refs/tags/v1.2.3'),
      inputs: { 'working-directory': 'app', backend: 'capgo', 'capgo-token': TOKEN, rollout: '10' }, env: { PATH: `${cli.bin}:${process.env.PATH}` } })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::A publish with the rollout input needs the update endpoint, which reads the folder and s3 registries, and the capgo backend keeps its own: remove the input, or publish to another channel and promote from it with the rollout input.')
    expect(cli.calls()).toEqual([])
  })

  it('prunes the previews of closed pull requests, and says preview-ttl-days cannot apply', async () => {
    cli.setState({ channels: { production: { version: '1.2.0' }, 'pr-2': { version: '1.3.0-pr.2.7' }, 'pr-3': { version: '1.3.0-pr.3.7' }, 'pr-12-foo': {} }, versions: [] })
    const pr = (number: number, state: 'open' | 'closed') => ({ number, state, title: `PR ${number}`, headSha: String(number).repeat(40).slice(0, 40), headRef: `b${number}`, headOwner: 'Codertocat', labels: [] })
    github.pullRequests = [pr(2, 'closed'), pr(3, 'open')]
    const result = await dispatch({ mode: 'prune', 'github-token': GITHUB_TOKEN, 'preview-ttl-days': '14' }, 'schedule')
    expect(result.exitCode).toBe(0)
    expect(commands()).toEqual([['channel', 'list', APP], ['channel', 'delete', 'pr-2', APP, '--delete-bundle', '--success-if-not-found']])
    expect(JSON.parse(result.outputs['removed-channels'])).toEqual(['pr-2'])
    expect(Object.keys(cli.state().channels).sort()).toEqual(['pr-12-foo', 'pr-3', 'production'])
    expect(result.summary).toContain('The preview-ttl-days input (14) did not apply: the backend does not tell when a channel was published, so only the previews of closed pull requests were pruned.')
    expect(result.summary).toContain('pull request #2 is closed; removed `1.3.0-pr.2.7`')
    expect(result.summary).toContain('Channels that are not previews, never touched: `pr-12-foo`, `production`.')
  })
})

describe('the Capgo CLI\'s printed answers, read back', () => {
  const bold = (text: string) => `\x1b[1m${text}\x1b[0m`
  it('reads the wide channel table, the per-channel tables with wrapped values, and an empty list', () => {
    const wide = ['│', '◆  Channels', '│  ╭──────┬─────────┬────────╮', `│  │ ${bold('Name')} │ ${bold('Version')} │ ${bold('Public')} │`, '│  ├──────┼─────────┼────────┤',
      '│  │ beta │ Unlinked │ No     │', '│  │ pr-4 │ 1.0.0   │ No     │', '│  ╰──────┴─────────┴────────╯'].join('\n')
    expect(channelTable(wide)).toEqual([{ name: 'beta', version: undefined }, { name: 'pr-4', version: '1.0.0' }])
    const wrapped = ['│  ╭─────────┬──────╮', '│  │ Setting │ Value │', '│  ├─────────┼──────┤', '│  │ Name    │ a-very-lo │', '│  │         │ ng-name │',
      '│  │ Version │ 2.0.0-be │', '│  │         │ ta.1 │', '│  ╰─────────┴──────╯'].join('\n')
    expect(channelTable(wrapped)).toEqual([{ name: 'a-very-long-name', version: '2.0.0-beta.1' }])
    expect(channelTable('│\n◆  Channels\n│\n│  No channels found.\n')).toEqual([])
    expect(channelTable('│\n■  Cannot list channels\n')).toBeUndefined()
  })

  it('reads the quiet current bundle, and the bundles a delete removed', () => {
    expect(quietVersion('│\n●  1.3.0-pr.2.7\n')).toBe('1.3.0-pr.2.7')
    expect(quietVersion('│\n■  Error retrieving channel\n')).toBeUndefined()
    expect(deletedBundles('│\n●  Deleting bundle 1.0.0 from Capgo\n│\n●  Deleting bundle com.example.app#pr-2 from Capgo\n│\n◆  Channel deleted\n')).toEqual(['1.0.0'])
  })
})

describe(`the pinned @capgo/cli ${CAPGO_CLI_VERSION}`, () => {
  // Installed once by __tests__/setup/capgo-cli.mjs (called by jest's globalSetup).
  const prefix = join(testCacheDir, `capgo-cli-${CAPGO_CLI_VERSION}`)
  /**
   * Each subcommand's --help, all at once, kept beside the pinned install: the CLI takes a
   * second of CPU to start, and a pinned version always prints the same help.
   */
  const helpOf = async (commands: string[][]): Promise<Map<string, string>> => {
    const distinct = [...new Set(commands.map((command) => command.join(' ')))]
    mkdirSync(join(prefix, 'help'), { recursive: true })
    const texts = await Promise.all(distinct.map(async (command) => {
      const kept = join(prefix, 'help', `${command.replace(/ /g, '-')}.txt`)
      if (existsSync(kept)) return readFileSync(kept, 'utf8')
      const { stdout } = await promisify(execFile)(join(prefix, 'node_modules', '.bin', 'capgo'), [...command.split(' '), '--help'], { encoding: 'utf8' })
      writeWhole(kept, stdout)
      return stdout
    }))
    return new Map(distinct.map((command, i) => [command, texts[i]]))
  }

  /** The arguments the backend really passes, with every option on: a preview channel, a run link, an encryption key; and each channel operation. */
  async function argumentsPassed(): Promise<string[][]> {
    const calls: string[][] = []
    const runner: CommandRunner = {
      run: async () => 0,
      capture: async (_command, args) => {
        calls.push(args)
        const stdout = args.includes('list') ? '│\n│  No channels found.\n' : args.includes('currentBundle') ? '│\n●  1.0.0\n' : 'https://api.capgo.app/bundle.zip'
        return { exitCode: 0, stdout, stderr: '' }
      }
    }
    const log = { info: () => undefined, warning: () => undefined }
    const backend = new CapgoBackend({ token: TOKEN, encryptionKey: 'KEY', runner, env: {}, log, cwd: '.', runUrl: 'https://github.com/o/r/actions/runs/1' })
    const manifest = { commit: 'abc' } as PublishRequest['manifest']
    await backend.publish({ appId: 'com.example.app', channel: 'pr-2', version: '1.0.0', archivePath: 'b.zip', checksum: '', size: 0, webDir: 'dist', manifest })
    await backend.removeChannel('com.example.app', 'pr-2')
    const channels = backend.hostedChannels
    await channels.list('com.example.app')
    await channels.currentVersion('com.example.app', 'production')
    await channels.setVersion('com.example.app', 'production', '1.1.0', { input: 'from' })
    await channels.setVersion('com.example.app', 'production', '1.1.0', { rollout: 10, input: 'from' })
    await channels.setVersion('com.example.app', 'production', '1.0.0', { endRollout: true, input: 'version' })
    for (const change of [{ percent: 50 }, { percent: 100 }, { pause: true }, { pause: false }]) await channels.changeRollout('com.example.app', 'production', change)
    return calls.map((args) => args.slice(args.indexOf(CAPGO_CLI) + 1))
  }

  it('is the version the backend runs', () => {
    expect(JSON.parse(readFileSync(join(prefix, 'node_modules', '@capgo', 'cli', 'package.json'), 'utf8')).version).toBe(CAPGO_CLI_VERSION)
  })

  it('knows every subcommand, argument and flag the backend passes', async () => {
    const calls = await argumentsPassed()
    expect(calls.map((args) => args.slice(0, 2).join(' '))).toEqual(['bundle upload', 'channel delete', 'channel list', 'channel currentBundle', ...Array(7).fill('channel set')])
    const flagsOf = (name: string) => calls.filter((args) => args[1] === name).flatMap((args) => args.filter((arg) => arg.startsWith('--')))
    expect(new Set(flagsOf('set'))).toEqual(new Set(['--bundle', '--rollout-bundle', '--rollout-percentage', '--rollout-rollback', '--rollout-promote', '--rollout-pause', '--rollout-resume']))
    const helps = await helpOf(calls.map((args) => args.slice(0, 2)))
    for (const args of calls) {
      const help = helps.get(args.slice(0, 2).join(' '))!
      // Usage: @capgo/cli channel set|s [options] [channelName] [appId]
      const positionals = /^Usage: .*? \[options\]((?: \[\w+\])*)$/m.exec(help)![1].trim().split(' ').filter(Boolean)
      const rest = args.slice(2)
      const given: string[] = []
      for (let i = 0; i < rest.length; i++) {
        const flag = rest[i]
        if (!flag.startsWith('--')) {
          given.push(flag)
          continue
        }
        // Its line in Options: `  -b, --bundle <bundle>   …` or `  --bundle-url   …`.
        const entry = new RegExp(`^\\s+(?:-\\w, )?${flag}(\\s+<\\w+>)?(\\s|$)`, 'm').exec(help)
        expect({ flag, known: entry !== null }).toEqual({ flag, known: true })
        // A flag that takes a value is given one; a switch is not.
        if (entry?.[1]) expect({ flag, value: rest[++i]?.startsWith('--') }).toEqual({ flag, value: false })
      }
      expect({ args, positionals: given.length <= positionals.length }).toEqual({ args, positionals: true })
    }
  })
})
