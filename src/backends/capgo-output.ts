import type { HostedChannel } from '../registry/types.js'

/*
 * What the pinned Capgo CLI prints, read back. It writes with @clack/prompts' log (a guide
 * `│` and a symbol such as `●` before each message) and draws tables with box characters;
 * `channel list` has no JSON form. The formats are those of @capgo/cli 8.68.1's
 * dist/index.js (its channel table, Tt0; its tables, fG).
 */

const ANSI = /\x1b\[[0-9;]*m/g
/** clack's guide and message symbols, unicode or their ASCII fallbacks, before a message. */
const GUIDE = /^(?:[│|●•◆*▲!■◇]\s+)+/

/** stdout without colours, one message a line, without clack's guide and symbols. */
function messages(stdout: string): string[] {
  return stdout.replace(ANSI, '').split(/\r?\n/).map((line) => line.replace(GUIDE, '').trim()).filter(Boolean)
}

/** `channel currentBundle --quiet`: the version is its last message. */
export function quietVersion(stdout: string): string | undefined {
  const last = messages(stdout).pop()
  return last && /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(last) ? last : undefined
}

/** A table row's cells between its outer `│` borders, or undefined for borders and other lines. */
function cells(line: string): string[] | undefined {
  const row = line.replace(ANSI, '').replace(/^[│|]\s+(?=[│├╭╰])/, '').trimEnd()
  if (!row.startsWith('│') || !row.endsWith('│')) return undefined
  return row.split('│').slice(1, -1).map((cell) => cell.trim())
}

const linked = (version: string | undefined) => (version === 'Unlinked' ? undefined : version)

/** One Setting/Value row of a channel's table: Name starts a channel; a row with an empty Setting goes on the one before. */
function readSetting(found: HostedChannel[], setting: string, value: string, wrapped: boolean): void {
  const current = found.at(-1)
  if (setting === 'Name' && !wrapped) found.push({ name: value })
  else if (current && setting === 'Name') current.name += value
  else if (current && setting === 'Version') current.version = linked(wrapped ? `${current.version ?? ''}${value}` : value)
}

/**
 * `channel list`: one wide table (Name, Version, … a row per channel) where the terminal is
 * wide enough, else, as on a runner whose stdout is a pipe, a Setting/Value table per
 * channel, long values wrapped onto rows with an empty Setting. Undefined when the output
 * holds neither, nor the CLI's "No channels found.".
 */
export function channelTable(stdout: string): HostedChannel[] | undefined {
  const found: HostedChannel[] = []
  let wide: string[] | undefined
  let setting = ''
  for (const row of stdout.split(/\r?\n/).map(cells)) {
    if (!row) continue
    if (row[0] === 'Name' && row[1] === 'Version' && row.length > 2) wide = row
    else if (wide && row.length === wide.length && row[0]) found.push({ name: row[0], version: linked(row[1]) })
    else if (row.length === 2) {
      setting = row[0] || setting
      readSetting(found, setting, row[1], !row[0])
    }
  }
  if (found.length === 0 && !messages(stdout).includes('No channels found.')) return undefined
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

/** `channel delete --delete-bundle`: the bundles it says it deleted (not "appId#channel", the preview path's words). */
export function deletedBundles(stdout: string): string[] {
  return messages(stdout).flatMap((line) => /^Deleting bundle (\S+) from Capgo$/.exec(line)?.[1] ?? []).filter((name) => !name.includes('#'))
}
