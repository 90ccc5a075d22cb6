/**
 * Bundles read the way devices read them: @capgo/capacitor-updater on Android unzips front
 * to back with java.util.zip.ZipInputStream (DeviceReader.java follows its loop, version
 * named there); other readers go through the central directory (java.util.zip.ZipFile,
 * unzip). Every extracted file is compared byte for byte with the web dir, for bundles made
 * by src (packWebDir) and by the built action (dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { packWebDir } from '../src/bundle/pack.js'
import { makeWorkspace, runBuiltAction } from './helpers/action.js'
import { compileDeviceReader, filesUnder, runTool, treeDifferences } from './helpers/device-readers.js'
import { pushPayload } from './helpers/payloads.js'

const MiB = 1024 * 1024
const APP = 'com.example.liveupdate'

function write(root: string, path: string, data: Buffer | string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), data)
}

/** A web build with every kind of entry the writer makes. */
async function makeWebDir(web: string, temp: string): Promise<void> {
  write(web, 'index.html', '<!doctype html><title>The app</title><script src="assets/app.js"></script>\n'.repeat(40))
  write(web, 'assets/app.js', 'console.log("small, deflated")\n'.repeat(200))
  write(web, 'assets/img/logo.png', randomBytes(3000)) // small, stored (compressed format)
  write(web, 'assets/noise.txt', randomBytes(2000)) // small, stored: deflate does not shrink it
  write(web, 'empty.txt', '')
  write(web, '.nojekyll', '')
  write(web, 'assets/.config.json', '{"dot": "file"}')
  write(web, 'a/b/c/d/e/deep.txt', 'nested folders')
  write(web, 'names/caf\u00e9.txt', 'NFC name') // é as one code point
  write(web, 'names/cafe\u0301.txt', 'NFD name') // e + combining acute: another file on Linux and Android
  write(web, 'fonts/日本語/字体.woff2', randomBytes(500))
  write(web, 'assets/at-threshold.json', Buffer.alloc(4 * MiB, '{"a":1}\n')) // 4 MiB: read whole, deflated
  write(web, 'assets/vendor.js', Buffer.alloc(6 * MiB + 11, 'export const x = 1;\n')) // over 4 MiB: streamed, deflated
  write(web, 'media/intro.mp4', randomBytes(5 * MiB + 5)) // streamed, stored
  write(web, 'data/blob.bin', randomBytes(5 * MiB)) // streamed, deflated though it does not shrink
  // An archive inside the build, over 4 MiB and with its own index.html: a reader that loses
  // its place in the outer archive would extract the inner one over the app.
  const inner = join(temp, 'inner-web')
  write(inner, 'index.html', '<!doctype html><title>Offline pack, not the app</title>')
  write(inner, 'tiles.png', randomBytes(5 * MiB))
  await packWebDir(inner, join(web, 'assets', 'offline-pack.zip'))
}

interface Case {
  name: string
  archive: () => Promise<string>
}

describe('bundles as devices read them', () => {
  let temp: string
  let workspace: string
  let web: string
  let readWithJava: Awaited<ReturnType<typeof compileDeviceReader>>
  const archives = new Map<string, Promise<string>>()

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'device-readers-'))
    workspace = makeWorkspace()
    web = join(workspace, 'app', 'www')
    await makeWebDir(web, temp)
    readWithJava = await compileDeviceReader()
    await runTool('unzip', ['-v'])
  }, 60_000)
  afterAll(() => {
    rmSync(temp, { recursive: true, force: true })
    rmSync(workspace, { recursive: true, force: true })
  })

  const cases: Case[] = [
    { name: 'packWebDir (src)', archive: async () => (await packWebDir(web, join(temp, 'src.zip'))).archivePath },
    {
      // A real archive past 4 GiB takes minutes and gigabytes: the same zip64 records are
      // written here from 1 MiB on (every entry after it, and the end records).
      name: 'packWebDir with zip64 records from 1 MiB',
      archive: async () => (await packWebDir(web, join(temp, 'zip64.zip'), { zip64Threshold: { offset: MiB, entries: 0 } })).archivePath
    },
    {
      // runBuiltAction runs a fresh `npm run bundle` of src, the same bytes CI requires of dist/.
      name: 'the built action (dist/)',
      archive: async () => {
        const run = await runBuiltAction({
          cwd: workspace,
          eventName: 'push',
          ref: 'refs/tags/v2.0.0',
          payload: pushPayload('refs/tags/v2.0.0'),
          inputs: { 'working-directory': 'app', 'web-dir': 'www', 'build-command': 'none' }
        })
        if (run.exitCode !== 0) throw new Error(`The action failed:\n${run.stdout}\n${run.stderr}`)
        return join(workspace, '.live-updates', APP, 'bundles', '2.0.0', 'bundle.zip')
      }
    }
  ]
  // Each archive is made once, by the first test that needs it.
  const archiveOf = (testCase: Case) => {
    if (!archives.has(testCase.name)) archives.set(testCase.name, testCase.archive())
    return archives.get(testCase.name)!
  }

  const targetFor = (testCase: Case, reader: string) => join(temp, `${createHash('md5').update(testCase.name).digest('hex')}-${reader}`)
  async function expectJavaExtractsWebDir(mode: 'stream' | 'zipfile', testCase: Case): Promise<void> {
    const target = targetFor(testCase, mode)
    const run = await readWithJava(mode, await archiveOf(testCase), target)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(treeDifferences(web, target)).toEqual([])
  }

  // Generous: the first test of a case makes its archive, for dist/ a fresh build (esbuild) and a run of the action.
  const TIMEOUT_MS = 600_000

  describe.each(cases)('$name', (testCase) => {
    it('ZipInputStream, in the Android plugin loop, extracts every file byte for byte', () => expectJavaExtractsWebDir('stream', testCase), TIMEOUT_MS)

    it('ZipFile extracts every file byte for byte', () => expectJavaExtractsWebDir('zipfile', testCase), TIMEOUT_MS)

    it('unzip -t finds no error, and unzip extracts every file byte for byte', async () => {
      const archive = await archiveOf(testCase)
      const tested = await runTool('unzip', ['-t', archive])
      expect(tested.stdout).toContain('No errors detected in compressed data')
      expect(tested.code).toBe(0)
      const target = targetFor(testCase, 'unzip')
      const extracted = await runTool('unzip', ['-q', archive, '-d', target])
      expect(extracted.stderr).toBe('')
      expect(extracted.code).toBe(0)
      expect(treeDifferences(web, target)).toEqual([])
    }, TIMEOUT_MS)
  })

  it('the web dir has every kind of entry the tests claim', () => {
    const files = filesUnder(web)
    expect(files).toEqual(expect.arrayContaining(['.nojekyll', 'names/caf\u00e9.txt', 'names/cafe\u0301.txt', 'assets/offline-pack.zip']))
    expect(files).toHaveLength(16)
  })
})
