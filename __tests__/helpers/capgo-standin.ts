import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Capgo Cloud as the stand-in keeps it: each channel's bundle and rollout, and the uploaded versions. */
interface CapgoState {
  channels: Record<string, { version?: string; rollout?: { version: string; percent: number; paused?: boolean } }>
  versions: string[]
}

export interface CapgoStandIn {
  bin: string
  /** Each call's arguments, CAPGO_TOKEN and folder, one JSON a line. */
  log: string
  calls(): { argv: string[]; token: string; cwd: string }[]
  state(): CapgoState
  setState(state: CapgoState): void
}

/*
 * What @capgo/cli 8.68.1 prints on a runner, where stdout is a pipe: @clack/prompts' log
 * (a `│` guide line, then `●`, `◆` or `■` and the message, each further line behind `│  `),
 * and `channel list` as one bold-headed Setting/Value box table per channel (its Tt0 and fG),
 * newest channel first.
 */
const SCRIPT = String.raw`
const fs = require('node:fs')
const log = process.env.STANDIN_LOG, statePath = process.env.STANDIN_STATE
fs.appendFileSync(log, JSON.stringify({ argv: process.argv.slice(2), token: process.env.CAPGO_TOKEN, cwd: process.cwd() }) + '\n')
const state = fs.existsSync(statePath) ? JSON.parse(fs.readFileSync(statePath, 'utf8')) : { channels: {}, versions: [] }
const save = () => fs.writeFileSync(statePath, JSON.stringify(state))
const message = (symbol, text) => process.stdout.write(['│', ...text.split('\n').map((line, i) => (i ? '│  ' : symbol + '  ') + line)].join('\n') + '\n')
const info = (text) => message('●', text), success = (text) => message('◆', text)
const fail = (text) => { console.error(text); process.exit(1) }
const table = (rows) => {
  const all = [['Setting', 'Value'], ...rows]
  const widths = [0, 1].map((i) => Math.max(...all.map((row) => row[i].length)))
  const line = (l, m, r) => l + widths.map((w) => '─'.repeat(w)).join(m) + r
  const row = (cells, bold) => '│ ' + cells.map((c, i) => (bold ? '\x1b[1m' + c + '\x1b[0m' : c) + ' '.repeat(widths[i] - c.length)).join(' │ ') + ' │'
  return [line('╭─', '─┬─', '─╮'), row(all[0], true), line('├─', '─┼─', '─┤'), ...rows.map((r) => row(r)), line('╰─', '─┴─', '─╯')].join('\n')
}
const args = process.argv.slice(process.argv.indexOf('--yes') + 2)
const flag = (name) => args.includes(name)
const value = (name) => args[args.indexOf(name) + 1]
const mode = process.env.STANDIN_MODE || 'ok'
if (mode === 'incompatible') fail('the bundle is incompatible with the native packages of channel production: @capacitor/camera 6.0.0 -> 7.0.0')
if (mode === 'echo-key') fail('Invalid API key ' + process.env.CAPGO_TOKEN)
const [group, command, first, appId] = args
if (group === 'bundle') {
  if (mode === 'exists') { info('Version already exists, --version-exists-ok is set'); process.exit(0) }
  info('Bundle uploaded')
  info('https://api.capgo.app/bundle/com.example.liveupdate/' + value('--bundle') + '.zip')
  process.exit(0)
}
const channel = state.channels[first]
const known = (version) => state.versions.includes(version) || fail('App version ' + appId + '@' + version + " doesn't exist")
if (command === 'list') {
  const names = Object.keys(state.channels).reverse()
  const rows = (name) => [['Name', name], ['Version', state.channels[name].version || 'Unlinked'], ['Public', 'No'], ['Auto Update', 'none'], ['Device Self Set', 'Yes']]
  success('Channels')
  message('│', names.length ? names.map((name) => table(rows(name))).join('\n\n') : 'No channels found.')
} else if (command === 'currentBundle') {
  if (!channel || !channel.version) fail('Error retrieving channel ' + first + ' for app ' + appId + '. Perhaps the channel does not exist?')
  info(channel.version)
} else if (command === 'delete') {
  for (const version of new Set([channel && channel.version, channel && channel.rollout && channel.rollout.version].filter(Boolean))) info('Deleting bundle ' + version + ' from Capgo')
  delete state.channels[first]
  success('Channel deleted')
} else if (command === 'set') {
  if (!channel) fail('Cannot find channel ' + first)
  if (flag('--bundle') && known(value('--bundle'))) channel.version = value('--bundle')
  if (flag('--rollout-bundle') && known(value('--rollout-bundle'))) channel.rollout = { version: value('--rollout-bundle'), percent: 0 }
  if (flag('--rollout-percentage') && channel.rollout) channel.rollout.percent = Number(value('--rollout-percentage'))
  if (flag('--rollout-pause') && channel.rollout) channel.rollout.paused = true
  if (flag('--rollout-resume') && channel.rollout) delete channel.rollout.paused
  if (flag('--rollout-rollback')) delete channel.rollout
  if (flag('--rollout-promote')) { if (!channel.rollout) fail('Cannot promote rollout without a rollout target'); channel.version = channel.rollout.version; delete channel.rollout }
  info('Set ' + appId + ' channel: ' + first)
}
save()
`

/** A stand-in `npx` first on PATH: records its arguments and CAPGO_TOKEN, keeps Capgo's channels in a file, answers as the CLI prints. */
export function capgoStandIn(dir: string): CapgoStandIn {
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  const log = join(dir, 'calls.jsonl')
  const statePath = join(dir, 'capgo-state.json')
  writeFileSync(join(bin, 'npx'), `#!/usr/bin/env node\nprocess.env.STANDIN_LOG = ${JSON.stringify(log)}\nprocess.env.STANDIN_STATE = ${JSON.stringify(statePath)}\n${SCRIPT}`)
  chmodSync(join(bin, 'npx'), 0o755)
  return {
    bin,
    log,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : []),
    state: () => JSON.parse(readFileSync(statePath, 'utf8')),
    setState: (state) => writeFileSync(statePath, JSON.stringify(state))
  }
}
