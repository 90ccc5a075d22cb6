import { afterEach, describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkEligibility } from '../src/eligibility/index.js'
import { TestRepo } from './helpers/repo.js'

/**
 * Spans of real apps' histories: each fixture holds the files that decide the verdict at a
 * pull request's base and head, copied from the repository and commits its span.json names
 * (lockfiles trimmed to the packages that matter, as its note says).
 */
const histories = fileURLToPath(new URL('./fixtures/histories/', import.meta.url))

interface Span {
  repository: string
  base: string
  head: string
  note: string
  /** The package manager the app used then. */
  installedBy: string
  /** The native packages node_modules holds at the head, as its lockfile pins them. */
  installed: Record<string, string>
  reasons: string[]
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
}

/** A package as the registry ships it: the platform runtimes keep their code in their own folders, plugins under android/ and ios/. */
function install(repo: TestRepo, name: string, version: string): void {
  const root = `node_modules/${name}`
  if (name === '@capacitor/android') {
    repo.write(`${root}/package.json`, JSON.stringify({ name, version }))
    repo.write(`${root}/capacitor/build.gradle`, `// ${version}\n`).write(`${root}/capacitor/src/main/java/com/getcapacitor/Bridge.java`, `// ${version}\n`)
  } else if (name === '@capacitor/ios') {
    repo.write(`${root}/package.json`, JSON.stringify({ name, version }))
    repo.write(`${root}/Capacitor.podspec`, `# ${version}\n`).write(`${root}/Capacitor/Capacitor/CAPBridge.swift`, `// ${version}\n`)
  } else {
    repo.write(`${root}/package.json`, JSON.stringify({ name, version, capacitor: { android: { src: 'android' } } }))
    repo.write(`${root}/android/src/main/java/Plugin.java`, `// ${name} ${version}\n`)
  }
}

/** What each package manager leaves in node_modules (bun leaves nothing). */
const MARKERS: Record<string, string | undefined> = { pnpm: 'node_modules/.modules.yaml', npm: 'node_modules/.package-lock.json', yarn: 'node_modules/.yarn-integrity' }

describe('spans of real app histories', () => {
  let repo: TestRepo
  afterEach(() => repo.cleanup())

  const spans = readdirSync(histories).sort()

  it.each(spans)('%s', async (name) => {
    const span: Span = JSON.parse(readFileSync(join(histories, name, 'span.json'), 'utf8'))
    repo = new TestRepo()
    repo.write('dist/index.html', '<p>app</p>')
    const baseFiles = filesUnder(join(histories, name, 'base'))
    for (const file of baseFiles) repo.write(file, readFileSync(join(histories, name, 'base', file), 'utf8'))
    const base = repo.commit(`base ${span.base}`)
    for (const file of baseFiles) repo.remove(file)
    const headFiles = filesUnder(join(histories, name, 'head'))
    for (const file of headFiles) repo.write(file, readFileSync(join(histories, name, 'head', file), 'utf8'))
    repo.commit(`head ${span.head}`)

    const check = async () => (await checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base })).reasons.map((r) => r.message)
    for (const [pkg, version] of Object.entries(span.installed)) install(repo, pkg, version)
    const marker = MARKERS[span.installedBy]
    if (marker) repo.write(marker, '')
    const installed = await check()
    repo.remove('node_modules')
    const fromLockfile = await check()
    expect(installed).toEqual(span.reasons)
    expect(fromLockfile).toEqual(span.reasons)
  })
})
