import { createFingerprintAsync } from '@expo/fingerprint'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { median, settleDisk, timed, type Row } from './measure.js'
import { actionFingerprint } from './subjects.js'

/** A fingerprinter under test: a hash of the project. */
type Fingerprinter = (projectDir: string) => Promise<string>

const TIME_TARGET_MS = 300
const SPEED_TARGET = 3

const expo: Fingerprinter = async (projectDir) => (await createFingerprintAsync(projectDir, { silent: true })).hash
const action = (webDir: string): Fingerprinter => (projectDir) => actionFingerprint(projectDir, webDir)

/** Median time of `runs` runs after one warm-up (file cache and module loading). */
async function timeRuns(fingerprint: Fingerprinter, projectDir: string, runs: number): Promise<{ ms: number; hash: string }> {
  const warm = await fingerprint(projectDir)
  const times: number[] = []
  for (let run = 0; run < runs; run++) times.push((await timed(() => fingerprint(projectDir))).ms)
  return { ms: median(times), hash: warm }
}

/** Edits a file, fingerprints, and puts the file back: does the fingerprint see the edit? */
async function sees(fingerprint: Fingerprinter, projectDir: string, before: string, file: string, edit: (text: string) => string): Promise<boolean> {
  const path = join(projectDir, file)
  const original = await readFile(path, 'utf8')
  await writeFile(path, edit(original))
  try {
    return (await fingerprint(projectDir)) !== before
  } finally {
    await writeFile(path, original)
  }
}

export interface FingerprintProbe {
  pluginName: string
  pluginNativeFile: string
  copiedWebFile: string
}

/** What each fingerprint notices: the three changes the eligibility check is about. */
async function behaviour(fingerprint: Fingerprinter, projectDir: string, hash: string, probe: FingerprintProbe): Promise<string> {
  const version = await sees(fingerprint, projectDir, hash, `node_modules/${probe.pluginName}/package.json`, (text) =>
    text.replace(/"version": "[^"]+"/, '"version": "99.0.0"'))
  const native = await sees(fingerprint, projectDir, hash, probe.pluginNativeFile, (text) => `${text}\n// patched`)
  const web = await sees(fingerprint, projectDir, hash, probe.copiedWebFile, (text) => `${text}\n/* rebuilt */`)
  return `plugin version bump ${version ? 'seen' : 'MISSED'}; plugin native edit ${native ? 'seen' : 'MISSED'}; copied web asset ${web ? 'hashed (should not be)' : 'ignored'}`
}

/** The action's fingerprint against @expo/fingerprint's on the same project. */
export async function benchFingerprint(projectDir: string, webDir: string, runs: number, probe: FingerprintProbe): Promise<Row[]> {
  settleDisk()
  const theirs = await timeRuns(expo, projectDir, runs)
  settleDisk()
  const ours = await timeRuns(action(webDir), projectDir, runs)
  const theirBehaviour = await behaviour(expo, projectDir, theirs.hash, probe)
  const ourBehaviour = await behaviour(action(webDir), projectDir, ours.hash, probe)
  const speedup = theirs.ms / ours.ms
  return [
    {
      stage: 'fingerprint', measure: 'native fingerprint', unit: 'ms', action: ours.ms, baseline: theirs.ms,
      ratio: ours.ms / theirs.ms, target: `< ${TIME_TARGET_MS} ms`, met: ours.ms < TIME_TARGET_MS,
      note: `action (the whole eligibility check): ${ourBehaviour}`
    },
    {
      stage: 'fingerprint', measure: 'speed-up over @expo/fingerprint', unit: '×', action: speedup, baseline: null, ratio: null,
      target: `≥ ${SPEED_TARGET}×`, met: speedup >= SPEED_TARGET, note: `@expo/fingerprint: ${theirBehaviour}`
    }
  ]
}
