import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkEligibility } from '../src/eligibility/index.js'
import { lockfileVersions } from '../src/eligibility/plugins.js'
import { TestRepo } from './helpers/repo.js'

// Each fixture was written by the package manager itself (npm 11, pnpm 7, 8 and 9, yarn 1 and 4, bun 1)
// for one package.json: @capacitor/camera 6.0.0, @capacitor/core 6.1.2, cordova-plugin-device 2.1.0, lodash 4.17.21.
const fixtures = fileURLToPath(new URL('./fixtures/lockfiles/', import.meta.url))
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8')

/** [the name the package manager gives the file, the fixture] */
const lockfiles: [string, string][] = [
  ['package-lock.json', 'package-lock.json'],
  ['pnpm-lock.yaml', 'pnpm-lock.v9.yaml'],
  ['pnpm-lock.yaml', 'pnpm-lock.v6.yaml'],
  ['pnpm-lock.yaml', 'pnpm-lock.v5.yaml'],
  ['yarn.lock', 'yarn.v1.lock'],
  ['yarn.lock', 'yarn.berry.lock'],
  ['bun.lock', 'bun.lock']
]

const expected = {
  '@capacitor/camera': '6.0.0',
  '@capacitor/core': '6.1.2',
  'cordova-plugin-device': '2.1.0',
  lodash: '4.17.21',
  tslib: '2.9.1'
}

describe('lockfileVersions reads what each package manager wrote', () => {
  it.each(lockfiles)('%s (%s)', (file, name) => {
    const versions = Object.fromEntries(lockfileVersions(file, fixture(name)))
    expect(versions).toMatchObject(expected)
  })

  it('reads a nested copy of a package as no version of the top-level one', () => {
    const lock = { lockfileVersion: 3, packages: { 'node_modules/a': { version: '1.0.0' }, 'node_modules/a/node_modules/lodash': { version: '3.0.0' }, 'node_modules/lodash': { version: '4.17.21' } } }
    expect(Object.fromEntries(lockfileVersions('package-lock.json', JSON.stringify(lock)))).toEqual({ a: '1.0.0', lodash: '4.17.21' })
  })
})

describe('a baseline read from each lockfile at a git ref', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo().capacitorApp({ '@capacitor/camera': '6.0.0', 'cordova-plugin-device': '2.1.0' })
  })
  afterEach(() => repo.cleanup())

  // package-lock.json is the other suites' baseline already.
  it.each(lockfiles.filter(([file]) => file !== 'package-lock.json'))('names a native plugin bumped since the base commit with %s (%s)', async (file, name) => {
    repo.remove('package-lock.json').write(file, fixture(name))
    const base = repo.commit('base')
    repo.installPackage('@capacitor/camera', '7.0.0', true)
    repo.write(file, fixture(name).replaceAll('camera@6.0.0', 'camera@7.0.0')).commit('bump camera')
    const verdict = await checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base })
    expect(verdict.reasons.map((r) => r.message)).toEqual(['@capacitor/camera 6.0.0 → 7.0.0 (native plugin)'])
  })

  it('finds nothing changed when only a pure-JavaScript package moved in the lockfile', async () => {
    repo.remove('package-lock.json').write('pnpm-lock.yaml', fixture('pnpm-lock.v9.yaml'))
    const base = repo.commit('base')
    repo.installPackage('lodash', '4.17.22')
    repo.write('pnpm-lock.yaml', fixture('pnpm-lock.v9.yaml').replaceAll('4.17.21', '4.17.22')).commit('bump lodash')
    const verdict = await checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base })
    expect(verdict).toMatchObject({ eligible: true, reasons: [] })
  })
})

describe('a baseline without a lockfile it can read', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo().capacitorApp()
  })
  afterEach(() => repo.cleanup())

  const reasonsSince = async (base: string) =>
    (await checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base })).reasons.map((r) => r.message)

  it('says a native plugin may have changed when the lockfile is in a format it does not know', async () => {
    repo.remove('package-lock.json').write('pnpm-lock.yaml', 'lockfileVersion: 99\n')
    const base = repo.commit('base')
    repo.write('src/main.js', 'console.log(2)\n').commit('web')
    expect(await reasonsSince(base)).toEqual(['@capacitor/camera 6.0.0: pnpm-lock.yaml at the baseline could not be read, so this native plugin may be new or changed'])
  })

  it('takes exact versions from package.json, and asks for a lockfile where it gives ranges', async () => {
    const manifest = (camera: string) => JSON.stringify({ name: 'app', dependencies: { '@capacitor/core': '6.0.0', '@capacitor/camera': camera } })
    repo.remove('package-lock.json').write('package.json', manifest('6.0.0'))
    const exact = repo.commit('exact')
    repo.write('src/main.js', 'console.log(2)\n').commit('web')
    expect(await reasonsSince(exact)).toEqual([])

    const range = repo.write('package.json', manifest('^6.0.0')).commit('range')
    repo.write('src/main.js', 'console.log(3)\n').commit('web again')
    expect(await reasonsSince(range)).toEqual([
      "@capacitor/camera 6.0.0: the baseline's package.json asks for ^6.0.0 and no lockfile pins it, so this native plugin may have changed (commit your lockfile)"
    ])
  })

  it('still calls a plugin added when the baseline package.json does not name it', async () => {
    repo.remove('package-lock.json').write('package.json', JSON.stringify({ name: 'app', dependencies: { '@capacitor/core': '6.0.0' } }))
    const base = repo.commit('base')
    repo.write('package.json', JSON.stringify({ name: 'app', dependencies: { '@capacitor/core': '6.0.0', '@capacitor/camera': '6.0.0' } })).commit('add camera')
    expect(await reasonsSince(base)).toEqual(['plugin added: @capacitor/camera 6.0.0'])
  })
})
