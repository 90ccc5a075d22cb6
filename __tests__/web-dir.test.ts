import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packWebDir } from '../src/bundle/pack.js'
import { UserError } from '../src/errors.js'
import { makeWorkspace, runAction, runBuiltAction, type ActionRun } from './helpers/action.js'
import { pushPayload } from './helpers/payloads.js'

/** What the user sees of a refusal: a UserError (printed without a stack) and no archive left behind. */
async function refusal(web: string, archive: string): Promise<string> {
  const error = await packWebDir(web, archive).then(
    () => undefined,
    (reason: unknown) => reason
  )
  expect(error).toBeInstanceOf(UserError)
  expect(existsSync(archive)).toBe(false)
  return (error as Error).message
}

describe('the web dir, checked before anything is packed', () => {
  let temp: string
  let web: string
  let archive: string
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'web-dir-'))
    web = join(temp, 'web')
    mkdirSync(join(web, 'assets'), { recursive: true })
    writeFileSync(join(web, 'index.html'), '<!doctype html>')
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)')
    archive = join(temp, 'bundle.zip')
  })
  // rm -rf: Node's rmSync cannot remove a tree deeper than PATH_MAX.
  afterEach(() => {
    execFileSync('rm', ['-rf', temp])
  })

  it('refuses an index.html that is a folder or a link to one', async () => {
    rmSync(join(web, 'index.html'))
    mkdirSync(join(web, 'index.html'))
    writeFileSync(join(web, 'index.html', 'page.txt'), 'x')
    const expected = 'The web dir has no regular file index.html at its root (it is a folder or a link to one): point web-dir at the folder the build writes index.html to.'
    expect(await refusal(web, archive)).toBe(expected)
    rmSync(join(web, 'index.html'), { recursive: true })
    symlinkSync('assets', join(web, 'index.html'))
    expect(await refusal(web, archive)).toBe(expected)
  })

  it('refuses a FIFO, a socket and a device file, naming each', async () => {
    execFileSync('mkfifo', [join(web, 'assets', 'pipe')])
    expect(await refusal(web, archive)).toBe(
      'The web dir has a FIFO (named pipe) at assets/pipe: a bundle holds only files and folders, so remove it from the build output.'
    )
    rmSync(join(web, 'assets', 'pipe'))

    const server = createServer()
    await new Promise<void>((listening) => server.listen(join(web, 'assets', 'dev.sock'), listening))
    try {
      expect(await refusal(web, archive)).toBe(
        'The web dir has a socket at assets/dev.sock: a bundle holds only files and folders, so remove it from the build output.'
      )
    } finally {
      await new Promise((closed) => server.close(closed))
    }
    rmSync(join(web, 'assets', 'dev.sock'), { force: true })

    execFileSync('mknod', [join(web, 'assets', 'null'), 'c', '1', '3'])
    expect(await refusal(web, archive)).toBe(
      'The web dir has a device file at assets/null: a bundle holds only files and folders, so remove it from the build output.'
    )
  })

  it('refuses a name that is not valid UTF-8', async () => {
    // "café.txt" in Latin-1: the é is the single byte E9.
    writeFileSync(Buffer.concat([Buffer.from(join(web, 'assets') + '/'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('.txt')]), 'x')
    expect(await refusal(web, archive)).toBe(
      'The web dir has a file name that is not valid UTF-8 ("assets/café.txt", bytes 636166e92e747874): rename it with UTF-8 characters, as devices read bundle names as UTF-8.'
    )
  })

  it('refuses a name with a backslash', async () => {
    writeFileSync(join(web, 'assets', 'icons\\home.svg'), '<svg/>')
    expect(await refusal(web, archive)).toBe(
      'The web dir file assets/icons\\home.svg has a backslash in its name, which extractors on other platforms take for a folder separator: rename it without one.'
    )
  })

  it('tells a symlink loop and a dangling symlink from one that points outside', async () => {
    symlinkSync('loop-b', join(web, 'loop-a'))
    symlinkSync('loop-a', join(web, 'loop-b'))
    expect(await refusal(web, archive)).toBe(
      'The web dir has a symlink loop-a that loops back on itself: remove it, or copy the files it should point at into the build output.'
    )
    rmSync(join(web, 'loop-a'))
    rmSync(join(web, 'loop-b'))

    symlinkSync('..', join(web, 'assets', 'up'))
    expect(await refusal(web, archive)).toBe(
      'The web dir has a symlink assets/up that loops back on itself: remove it, or copy the files it should point at into the build output.'
    )
    rmSync(join(web, 'assets', 'up'))

    symlinkSync('missing.js', join(web, 'assets', 'gone.js'))
    expect(await refusal(web, archive)).toBe(
      'The web dir has a symlink assets/gone.js whose target does not exist: remove it, or build the file it points at.'
    )
  })

  it('packs a folder reached by two links under both names', async () => {
    mkdirSync(join(web, 'v2'))
    writeFileSync(join(web, 'v2', 'x.js'), 'x')
    symlinkSync('v2', join(web, 'latest'))
    const bundle = await packWebDir(web, archive)
    expect(bundle.files.map((f) => f.path)).toEqual(['assets/app.js', 'index.html', 'latest/x.js', 'v2/x.js'])
  })

  it('names a path longer than the system allows', async () => {
    // Made folder by folder: no single call sees the whole path.
    const part = 'd'.repeat(200)
    const script = `process.chdir(${JSON.stringify(web)}); for (let i = 0; i < 21; i++) { fs.mkdirSync('${part}'); process.chdir('${part}') } fs.writeFileSync('file.js', 'x')`
    execFileSync(process.execPath, ['-e', script])
    const message = await refusal(web, archive)
    expect(message).toMatch(/^The web dir path (d{200}\/){1,21}.* is longer than the file system allows: shorten the names of its folders and files\.$/)
  })

  it('says which folder filled up when the disk is full', async () => {
    // /dev/full answers every write with ENOSPC; the archive is a link to it.
    symlinkSync('/dev/full', archive)
    const message = await refusal(web, archive)
    expect(message).toBe(`The disk holding ${temp} is full: the bundle could not be written there; free space on that disk before this step.`)
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true)
  })
})

describe('a refused web dir through the action', () => {
  let workspace: string
  beforeEach(() => {
    workspace = makeWorkspace()
    mkdirSync(join(workspace, 'app', 'www', 'assets'), { recursive: true })
    writeFileSync(join(workspace, 'app', 'www', 'index.html'), '<!doctype html>')
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  const options = {
    eventName: 'push',
    ref: 'refs/tags/v3.0.0',
    payload: pushPayload('refs/tags/v3.0.0'),
    inputs: { 'working-directory': 'app', 'web-dir': 'www', 'build-command': 'none' }
  }
  function expectFailedUntouched(run: ActionRun, message: string): void {
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(`::error::${message}`)
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at |EACCES|ENOENT|ELOOP|ENAMETOOLONG|ENOSPC/)
    expect(existsSync(join(workspace, '.live-updates'))).toBe(false)
  }

  it('fails with one sentence on a FIFO and leaves the registry untouched', async () => {
    execFileSync('mkfifo', [join(workspace, 'app', 'www', 'assets', 'pipe')])
    expectFailedUntouched(
      await runAction({ cwd: workspace, ...options }),
      'The web dir has a FIFO (named pipe) at assets/pipe: a bundle holds only files and folders, so remove it from the build output.'
    )
  })

  // As root, permissions never refuse a read: the built action runs without the capabilities that override them.
  // Generous timeouts: the first run makes a fresh build of src (esbuild).
  const withoutOverride = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--']

  it('fails with one sentence on an unreadable file, not EACCES', async () => {
    writeFileSync(join(workspace, 'app', 'www', 'assets', 'secret.js'), 'x')
    chmodSync(join(workspace, 'app', 'www', 'assets', 'secret.js'), 0o000)
    expectFailedUntouched(
      await runBuiltAction({ cwd: workspace, ...options }, withoutOverride),
      'The web dir file assets/secret.js cannot be read (permission denied): make it readable by the user the action runs as (chmod a+r assets/secret.js).'
    )
  }, 600_000)

  it('fails with one sentence on an unreadable folder', async () => {
    mkdirSync(join(workspace, 'app', 'www', 'assets', 'private'))
    chmodSync(join(workspace, 'app', 'www', 'assets', 'private'), 0o000)
    expectFailedUntouched(
      await runBuiltAction({ cwd: workspace, ...options }, withoutOverride),
      'The web dir folder assets/private cannot be read (permission denied): make it readable by the user the action runs as (chmod a+rx assets/private).'
    )
  }, 600_000)
})
