import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from './action.js'
import { ownTempName, testCacheDir } from './test-cache.js'

export interface CommandRun {
  code: number
  stdout: string
  stderr: string
}

const INSTALL_HINT: Record<string, string> = {
  java: 'a Java 17 runtime (apt-get install openjdk-17-jdk-headless)',
  javac: 'a Java 17 JDK (apt-get install openjdk-17-jdk-headless)',
  unzip: 'Info-ZIP unzip (apt-get install unzip)',
  openssl: 'the OpenSSL command line (apt-get install openssl)'
}

/**
 * Runs a reader. A missing tool is an error, never a skip: these tests are the evidence that
 * devices (and their users' tools) can open the bundles. The locale is UTF-8, as file names are on Android (Java
 * would otherwise write non-ASCII names as "?").
 */
export function runTool(command: string, args: string[]): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(`${command} is not installed: these tests need ${INSTALL_HINT[command] ?? command} and fail without it.`)
          : error
      )
    )
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
  })
}

const READER_SOURCE = join(repoRoot, '__tests__', 'fixtures', 'device-reader', 'DeviceReader.java')

/**
 * Compiles DeviceReader.java, once per version of its source (javac takes seconds), into
 * node_modules/.cache; returns how to run it on an archive.
 */
export async function compileDeviceReader() {
  const hash = createHash('sha256').update(readFileSync(READER_SOURCE)).digest('hex').slice(0, 16)
  const classDir = join(testCacheDir, `device-reader-${hash}`)
  if (!existsSync(join(classDir, 'DeviceReader.class'))) {
    // Into a folder of this process first: two jest workers may compile at once.
    const temp = ownTempName(classDir)
    const compiled = await runTool('javac', ['-d', temp, READER_SOURCE])
    if (compiled.code !== 0) throw new Error(`javac failed on DeviceReader.java: ${compiled.stderr}`)
    rmSync(classDir, { recursive: true, force: true })
    renameSync(temp, classDir)
  }
  return async (mode: 'stream' | 'zipfile', archive: string, target: string): Promise<CommandRun> =>
    runTool('java', ['-cp', classDir, 'DeviceReader', mode, archive, target])
}

/** Every regular file under dir, by its path relative to dir (`/` separators), sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

/** The files of `extracted` that are missing, extra, or differ in any byte from those of `webDir`. */
export function treeDifferences(webDir: string, extracted: string): string[] {
  const expected = filesUnder(webDir)
  const actual = new Set(filesUnder(extracted))
  const differences = [...actual].filter((path) => !expected.includes(path)).map((path) => `extra: ${path}`)
  for (const path of expected) {
    if (!actual.has(path)) differences.push(`missing: ${path}`)
    else if (!readFileSync(join(webDir, path)).equals(readFileSync(join(extracted, path)))) differences.push(`different bytes: ${path}`)
  }
  return differences
}
