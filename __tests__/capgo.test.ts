import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CAPGO_CLI, CAPGO_CLI_VERSION, CapgoBackend } from '../src/backends/capgo.js'
import type { CommandRunner } from '../src/command-runner.js'
import type { PublishRequest } from '../src/registry/types.js'
import { makeWorkspace, repoRoot, runAction } from './helpers/action.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'

const TOKEN = 'capgo_' + 'k3y'.repeat(10)

/** A stand-in `npx` first on PATH: records its arguments and CAPGO_TOKEN, answers like the CLI. */
function standIn(dir: string): { bin: string; log: string } {
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  const log = join(dir, 'calls.jsonl')
  writeFileSync(join(bin, 'npx'), `#!/usr/bin/env node
const fs = require('node:fs')
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), token: process.env.CAPGO_TOKEN, cwd: process.cwd() }) + '\\n')
const mode = process.env.STANDIN_MODE || 'ok'
if (mode === 'incompatible') { console.error('Error: the bundle is incompatible with the native packages of channel production: @capacitor/camera 6.0.0 -> 7.0.0'); process.exit(1) }
if (mode === 'echo-key') { console.error('Invalid API key ' + process.env.CAPGO_TOKEN); process.exit(1) }
if (mode === 'exists') { console.log('Version already exists, --version-exists-ok is set'); process.exit(0) }
if (process.argv.includes('delete')) { console.log('Channel deleted'); process.exit(0) }
console.log('Bundle uploaded')
console.log('https://api.capgo.app/bundle/com.example.liveupdate/' + process.argv[process.argv.indexOf('--bundle') + 1] + '.zip')
`)
  chmodSync(join(bin, 'npx'), 0o755)
  return { bin, log }
}

describe('the capgo backend with a stand-in CLI', () => {
  let workspace: string
  let cli: { bin: string; log: string }
  beforeEach(() => {
    workspace = makeWorkspace()
    cli = standIn(workspace)
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const calls = () => (existsSync(cli.log) ? readFileSync(cli.log, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [])
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

describe(`the pinned @capgo/cli ${CAPGO_CLI_VERSION}`, () => {
  // Installed once by __tests__/setup/capgo-cli.mjs (jest's globalSetup).
  const prefix = join(repoRoot, 'node_modules', '.cache', `capgo-cli-${CAPGO_CLI_VERSION}`)
  const helpOf = (command: string[]) =>
    execFileSync(join(prefix, 'node_modules', '.bin', 'capgo'), [...command, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })

  /** The arguments the backend really passes, with every option on: a preview channel, a run link, an encryption key. */
  async function argumentsPassed(): Promise<string[][]> {
    const calls: string[][] = []
    const runner: CommandRunner = {
      run: async () => 0,
      capture: async (_command, args) => {
        calls.push(args)
        return { exitCode: 0, stdout: 'https://api.capgo.app/bundle.zip', stderr: '' }
      }
    }
    const log = { info: () => undefined, warning: () => undefined }
    const backend = new CapgoBackend({ token: TOKEN, encryptionKey: 'KEY', runner, env: {}, log, cwd: '.', runUrl: 'https://github.com/o/r/actions/runs/1' })
    const manifest = { commit: 'abc' } as PublishRequest['manifest']
    await backend.publish({ appId: 'com.example.app', channel: 'pr-2', version: '1.0.0', archivePath: 'b.zip', checksum: '', size: 0, webDir: 'dist', manifest })
    await backend.removeChannel('com.example.app', 'pr-2')
    return calls.map((args) => args.slice(args.indexOf(CAPGO_CLI) + 1))
  }

  it('is the version the backend runs', () => {
    expect(JSON.parse(readFileSync(join(prefix, 'node_modules', '@capgo', 'cli', 'package.json'), 'utf8')).version).toBe(CAPGO_CLI_VERSION)
  })

  it('knows every subcommand and flag the backend passes', async () => {
    const calls = await argumentsPassed()
    expect(calls.map((args) => args.slice(0, 2).join(' '))).toEqual(['bundle upload', 'channel delete'])
    for (const args of calls) {
      const help = helpOf(args.slice(0, 2))
      const flags = args.filter((arg) => arg.startsWith('--'))
      expect(flags.length).toBeGreaterThanOrEqual(2)
      for (const flag of flags) expect({ flag, known: new RegExp(`(^|[\\s,])${flag}(\\s|$)`, 'm').test(help) }).toEqual({ flag, known: true })
    }
  })
})
