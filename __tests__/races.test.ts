import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freshBuild, makeWorkspace, runAction, runBuiltAction, type ActionRun } from './helpers/action.js'
import { pullRequestPayload, pushPayload } from './helpers/payloads.js'
import { expectRegistrySound, type RegistryReader } from './helpers/registry-check.js'

const APP = 'com.example.liveupdate'

function folderReader(root: string): RegistryReader {
  return {
    async keys() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])
      return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)))
    },
    read: (key) => readFile(join(root, key)).catch(() => undefined)
  }
}

/**
 * Overlapping runs as GitHub starts them, each in its own checkout, on one registry: in this
 * process through run(services) (each run has its own ports; nothing global is shared), and
 * once as separate processes of the built action, whose only common ground is the registry folder.
 */
describe('overlapping runs on the folder registry', () => {
  let temp: string
  let registry: string
  const workspaces: string[] = []
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'races-'))
    registry = join(temp, 'registry')
  })
  afterEach(() => {
    rmSync(temp, { recursive: true, force: true })
    for (const workspace of workspaces.splice(0)) rmSync(workspace, { recursive: true, force: true })
  })

  /** One run in a fresh checkout whose about page differs by `content`, so every version's bytes differ. */
  async function start(event: { eventName: string; payload: Record<string, any>; ref: string; runNumber?: number }, content: string, delayMs = 0, runner = runAction): Promise<ActionRun> {
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    writeFileSync(join(workspace, 'app', 'src', 'about.html'), `<p>${content}</p>`)
    await sleep(delayMs)
    return runner({ cwd: workspace, ...event, inputs: { 'working-directory': 'app', 'registry-path': registry, comment: 'false' } })
  }
  const pullRequest = (action: string, runNumber: number) => {
    const payload = pullRequestPayload(action === 'closed' ? 'closed' : 'opened')
    payload.action = action
    return { eventName: 'pull_request', payload, runNumber, ref: `refs/pull/${payload.number}/merge` }
  }
  const tag = (name: string) => ({ eventName: 'push', payload: pushPayload(`refs/tags/${name}`), ref: `refs/tags/${name}` })
  const reported = (runs: ActionRun[]) => new Map(runs.filter((r) => r.exitCode === 0 && r.outputs.checksum).map((r) => [r.outputs.version, r.outputs.checksum]))
  const pointer = (channel: string) => JSON.parse(readFileSync(join(registry, APP, 'channels', `${channel}.json`), 'utf8'))

  it('a pull request closed while its last pushes still publish stays gone, whatever order the runs finish in', async () => {
    const channel = `pr-${pullRequestPayload('opened').number}`
    // An in-process run takes about 0.2 s: the close starts before, among and after the pushes.
    for (const closeAfterMs of [0, 60, 250]) {
      rmSync(registry, { recursive: true, force: true })
      const runs = await Promise.all([
        start(pullRequest('synchronize', 1), 'one'),
        start(pullRequest('synchronize', 2), 'two', 30),
        start(pullRequest('synchronize', 3), 'three', 60),
        start(pullRequest('closed', 4), 'closed', closeAfterMs)
      ])
      for (const run of runs) expect({ exitCode: run.exitCode, error: run.stdout.match(/::error::.*/)?.[0] }).toEqual({ exitCode: 0, error: undefined })
      await expectRegistrySound(folderReader(registry), APP, { closedChannels: [channel], reportedChecksums: reported(runs) })
    }
  })

  it('overlapping pushes leave the channel on the newest run, and old tags never move production back', async () => {
    const runs = await Promise.all([
      start(pullRequest('synchronize', 11), 'eleven', 40),
      start(pullRequest('synchronize', 10), 'ten', 80),
      start(pullRequest('synchronize', 12), 'twelve'),
      start(tag('v1.1.0'), 'one-one'),
      start(tag('v1.0.0'), 'one-zero', 60)
    ])
    for (const run of runs) expect(run.exitCode).toBe(0)
    expect(pointer(`pr-${pullRequestPayload('opened').number}`).version).toMatch(/\.12$/)
    expect(pointer('production').version).toBe('1.1.0')
    await expectRegistrySound(folderReader(registry), APP, { reportedChecksums: reported(runs) })
  })

  // The built action's case is the one where the runs share nothing but the registry folder: two processes.
  it.each([
    ['in this process', runAction],
    ['as two processes of the built action', runBuiltAction]
  ])('two runs of one version with different bytes, %s: one wins, the other is refused, nothing is overwritten', async (_how, runner) => {
    if (runner === runBuiltAction) await freshBuild()
    const runs = await Promise.all([start(tag('v2.0.0'), 'first', 0, runner), start(tag('v2.0.0'), 'second', 0, runner)])
    expect(runs.map((r) => r.exitCode).sort()).toEqual([0, 1])
    const loser = runs.find((r) => r.exitCode === 1)!
    expect(loser.stdout).toMatch(/::error::Version 2\.0\.0 of com\.example\.liveupdate is already in the registry .* with other content, and versions are immutable/)
    const winner = runs.find((r) => r.exitCode === 0)!
    expect(pointer('production').checksum).toBe(winner.outputs.checksum)
    await expectRegistrySound(folderReader(registry), APP, { reportedChecksums: reported(runs) })
  })
})
