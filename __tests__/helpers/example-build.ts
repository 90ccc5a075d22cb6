import { createHash } from 'node:crypto'
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { Writable } from 'node:stream'
import { execRunner, type OutputStreams } from '../../src/command-runner.js'
import { repoRoot } from './repo-root.js'
import { isTempName, ownTempName, placeWhole, testCacheDir } from './test-cache.js'

/** The example app's build script, as its package.json names it. */
export const EXAMPLE_BUILD_SCRIPT = 'node build.mjs'

const exampleBuildSource = readFileSync(join(repoRoot, 'examples', 'capacitor-app', 'build.mjs'))

/** A file or folder of a tree, in an order where a folder comes before what it holds. */
interface TreeEntry {
  path: string
  mode: number
  /** Undefined for a folder. */
  data?: Buffer
}

/** Files and folders under dir, sorted; undefined when it holds anything else (a symlink), which a snapshot would not copy as cpSync does. */
function readTree(dir: string): TreeEntry[] | undefined {
  const entries: TreeEntry[] = []
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const info = lstatSync(join(dir, path))
    if (info.isDirectory()) entries.push({ path, mode: info.mode })
    else if (info.isFile()) entries.push({ path, mode: info.mode, data: readFileSync(join(dir, path)) })
    else return undefined
  }
  return entries
}

interface ExampleBuild {
  exitCode: number
  dist: TreeEntry[]
  stdout: Buffer
  stderr: Buffer
}

/** Builds of this test file, by what decides their output. */
const builds = new Map<string, ExampleBuild>()

/**
 * Successful builds kept for all test files, under the key and a hash of build.mjs: a folder
 * holding the dist/ it made and its log, written whole under a name of this process, then
 * renamed. Tests whose sources change from run to run (random bytes, times) make new keys each
 * run: only small builds are kept, and the least recently used go past KEPT_BUILDS.
 */
const keptBuilds = join(testCacheDir, 'live-update-action', `example-builds-${createHash('sha256').update(exampleBuildSource).digest('hex').slice(0, 16)}`)
const KEPT_BUILDS = 150
const KEPT_BUILD_MAX_BYTES = 256 * 1024

function keptBuild(key: string): ExampleBuild | undefined {
  const dir = join(keptBuilds, key)
  if (!existsSync(join(dir, 'stdout'))) return undefined
  const dist = readTree(join(dir, 'dist'))
  if (!dist) return undefined
  const now = new Date()
  utimesSync(dir, now, now)
  return { exitCode: 0, dist, stdout: readFileSync(join(dir, 'stdout')), stderr: readFileSync(join(dir, 'stderr')) }
}

function keepBuild(key: string, build: ExampleBuild): void {
  if (build.dist.reduce((sum, entry) => sum + (entry.data?.length ?? 0), 0) > KEPT_BUILD_MAX_BYTES) return
  const temp = ownTempName(join(keptBuilds, key))
  rmSync(temp, { recursive: true, force: true })
  mkdirSync(temp, { recursive: true })
  writeDist(temp, build.dist)
  writeFileSync(join(temp, 'stderr'), build.stderr)
  writeFileSync(join(temp, 'stdout'), build.stdout)
  placeWhole(temp, join(keptBuilds, key))
  const kept = readdirSync(keptBuilds).filter((name) => !isTempName(name))
  if (kept.length <= KEPT_BUILDS) return
  const byUse = kept.map((name) => ({ name, used: statSync(join(keptBuilds, name)).mtimeMs })).sort((a, b) => a.used - b.used)
  for (const { name } of byUse.slice(0, kept.length - KEPT_BUILDS)) rmSync(join(keptBuilds, name), { recursive: true, force: true })
}

/**
 * What decides the output of the example's build.mjs in cwd: it reads package.json and src/,
 * writes dist/ and one log line; node reads its NODE_* variables and is found on PATH.
 * Undefined for anything the key would not cover: another build.mjs, a node_modules (its
 * .bin goes first on PATH), a src/ that cannot be read or holds a symlink.
 */
function buildKey(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    if (!readFileSync(join(cwd, 'build.mjs')).equals(exampleBuildSource) || existsSync(join(cwd, 'node_modules'))) return undefined
    const sources = readTree(join(cwd, 'src'))
    if (!sources) return undefined
    const hash = createHash('sha256')
    // The workspace's node_modules/.bin, which does not exist, is left out: every workspace is another folder.
    const bin = join(cwd, 'node_modules', '.bin')
    const path = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== bin)
    const variables = [path, Object.entries(env).filter(([name]) => name.startsWith('NODE_')).sort()]
    hash.update(JSON.stringify(variables)).update('\0').update(readFileSync(join(cwd, 'package.json')))
    for (const entry of sources) hash.update(`\0${entry.path}\0${entry.mode}\0${entry.data?.length ?? 'folder'}\0`).update(entry.data ?? '')
    return hash.digest('hex')
  } catch {
    return undefined
  }
}

/** A stream that passes everything on to `target` and keeps a copy. */
function recording(target: NodeJS.WritableStream | undefined): { stream: Writable; recorded: () => Buffer } {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk))
      if (target) target.write(chunk, done)
      else done()
    }
  })
  return { stream, recorded: () => Buffer.concat(chunks) }
}

/** dist/ as the build leaves it: the old one removed, then the snapshot written. */
function writeDist(cwd: string, dist: TreeEntry[]): void {
  const out = join(cwd, 'dist')
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out)
  for (const entry of dist) {
    const path = join(out, entry.path)
    if (entry.data) writeFileSync(path, entry.data)
    else mkdirSync(path)
    chmodSync(path, entry.mode)
  }
}

/**
 * Runs the example app's `node build.mjs` in `sh -c` (as inlineNpmScripts starts a script)
 * once for each state of what decides its output (buildKey), kept for all test files: a later run gets
 * the dist/ and the log that build made, byte for byte, without another node start-up (about
 * 85 ms in each of some 230 in-process runs). Anything buildKey does not cover is built for real.
 */
export async function runExampleBuild(cwd: string, env: NodeJS.ProcessEnv, streams: OutputStreams): Promise<number> {
  const key = buildKey(cwd, env)
  const done = key === undefined ? undefined : builds.get(key) ?? keptBuild(key)
  if (key !== undefined && done) builds.set(key, done)
  if (done) {
    try {
      writeDist(cwd, done.dist)
      streams.out?.write(done.stdout)
      streams.err?.write(done.stderr)
      return done.exitCode
    } catch {
      // A dist/ the snapshot cannot be written to: the real build meets it as it is.
    }
  }
  const out = recording(streams.out)
  const err = recording(streams.err)
  const exitCode = await execRunner({ out: out.stream, err: err.stream }).run('sh', ['-c', EXAMPLE_BUILD_SCRIPT], { cwd, env })
  const dist = exitCode === 0 && key !== undefined ? readTree(join(cwd, 'dist')) : undefined
  if (key !== undefined && dist) {
    const build = { exitCode, dist, stdout: out.recorded(), stderr: err.recorded() }
    builds.set(key, build)
    keepBuild(key, build)
  }
  return exitCode
}
