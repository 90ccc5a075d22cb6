import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkEligibility } from '../src/eligibility/index.js'
import { chooseLockfile, lockedDependencies } from '../src/eligibility/lockfile.js'
import { directDependencies } from '../src/eligibility/plugins.js'
import type { PackageManager } from '../src/package-manager.js'
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
  lodash: '4.17.21'
}

const direct = new Map([['@capacitor/camera', '6.0.0'], ['@capacitor/core', '6.1.2'], ['cordova-plugin-device', '2.1.0'], ['lodash', '4.17.21']])
const parse = (file: string, text: string, importer = '.') =>
  lockedDependencies({ path: file, manager: 'npm' as PackageManager, importer, up: '', why: '', text }, direct)

describe('each lockfile format is read with its parser', () => {
  it.each(lockfiles)('%s (%s)', (file, name) => {
    const locked = parse(file, fixture(name))
    expect(Object.fromEntries([...locked].map(([dep, entry]) => [dep, entry.version]))).toEqual(expected)
    // Registry packages are pinned by their integrity (yarn berry: its own checksum).
    expect(locked.get('@capacitor/camera')?.identity).toMatch(name === 'yarn.berry.lock' ? /^checksum:10c0\// : /^integrity:sha512-AZ\/gfVPC3/)
  })

  it('reads a nested copy of a package as no version of the top-level one', () => {
    const lock = { lockfileVersion: 3, packages: { '': { dependencies: { a: '1', lodash: '4' } }, 'node_modules/a': { version: '1.0.0' }, 'node_modules/a/node_modules/lodash': { version: '3.0.0' }, 'node_modules/lodash': { version: '4.17.21' } } }
    expect(Object.fromEntries([...parse('package-lock.json', JSON.stringify(lock))].map(([dep, entry]) => [dep, entry.version]))).toEqual({ a: '1.0.0', lodash: '4.17.21' })
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

describe('real lockfiles read as the package manager reads them', () => {
  const history = (span: string, side: 'base' | 'head', file: string) => readFileSync(join(fixtures, '..', 'histories', span, side, file), 'utf8')
  const directOf = (span: string, side: 'base' | 'head') => directDependencies(JSON.parse(history(span, side, 'package.json')))
  const read = (span: string, side: 'base' | 'head', file: string) =>
    lockedDependencies({ path: file, manager: 'npm', importer: '.', up: '', why: '', text: history(span, side, file) }, directOf(span, side))

  it('takes the importer\'s version, not the last copy in the file (pnpm-lock.yaml v9 holds @capacitor/cli 5.7.8 and 7.2.0)', () => {
    expect(history('coracle-stale-package-lock', 'base', 'pnpm-lock.yaml')).toContain("'@capacitor/cli@5.7.8':")
    expect(read('coracle-stale-package-lock', 'base', 'pnpm-lock.yaml').get('@capacitor/cli')?.version).toBe('7.2.0')
  })

  it('picks the lockfile in use over a stale package-lock.json beside it, and says why', async () => {
    // The stale file names Capacitor 6 where the pnpm-lock.yaml in use names 7.
    expect(read('coracle-stale-package-lock', 'base', 'package-lock.json').get('@capacitor/android')?.version).toBe('6.2.1')
    expect(read('coracle-stale-package-lock', 'base', 'pnpm-lock.yaml').get('@capacitor/android')?.version).toBe('7.2.0')
    const files = (extra: Record<string, string>) => async (path: string) =>
      ({ 'package-lock.json': '{}', 'pnpm-lock.yaml': 'lockfileVersion: 9.0', 'package.json': '{}', ...extra })[path]
    expect(await chooseLockfile(files({ 'node_modules/.modules.yaml': '' }), '', { markers: true })).toMatchObject({ path: 'pnpm-lock.yaml', why: 'node_modules was installed by pnpm; package-lock.json ignored' })
    expect(await chooseLockfile(files({ 'package.json': '{"packageManager":"npm@10.0.0"}' }), '')).toMatchObject({ path: 'package-lock.json', why: "package.json's packageManager names npm; pnpm-lock.yaml ignored" })
    expect((await chooseLockfile(files({}), ''))?.why).toMatch(/^nothing says which lockfile is in use, so the first of pnpm-lock.yaml, package-lock.json/)
    expect(await chooseLockfile(files({}), '', { preferred: 'package-lock.json' })).toMatchObject({ path: 'package-lock.json', why: 'the lockfile the head uses' })
  })

  it('names a plugin from a GitHub tarball by its commit (pnpm-lock.yaml v9)', () => {
    expect(read('coracle-tarball-plugin-added', 'head', 'pnpm-lock.yaml').get('nostr-signer-capacitor-plugin')).toEqual({ version: '0.0.5', identity: 'git:be4bb90a1a15c8eec0934f2f66ce9e82ecc72d51' })
    expect(read('coracle-tarball-plugin-added', 'base', 'pnpm-lock.yaml').get('nostr-signer-capacitor-plugin')?.version).toBe('0.0.4')
  })

  it('names a git dependency by its commit (package-lock.json v3)', () => {
    expect(read('coracle-git-commit-moved', 'base', 'package-lock.json').get('nostr-signer-capacitor-plugin')).toEqual({ version: '0.0.2', identity: 'git:2adb594b17886af706e07696c00aae808316e300' })
    expect(read('coracle-git-commit-moved', 'head', 'package-lock.json').get('nostr-signer-capacitor-plugin')).toEqual({ version: '0.0.2', identity: 'git:7cc5a276dd0f7638f931d32eccecb0ce6cf8c51b' })
  })

  it('reads a patched package at its version (pnpm patch_hash), and an npm alias as the package it is', () => {
    expect(history('voyager-native-patch-added', 'head', 'pnpm-lock.yaml')).toContain('version: 6.2.0(patch_hash=')
    expect(read('voyager-native-patch-added', 'head', 'pnpm-lock.yaml').get('@capacitor/android')).toEqual(read('voyager-native-patch-added', 'base', 'pnpm-lock.yaml').get('@capacitor/android'))
    expect(read('voyager-alias-to-upstream', 'base', 'pnpm-lock.yaml').get('@capacitor/haptics')?.version).toBe('voyager-capacitor-haptics@5.0.7')
    expect(read('voyager-bun-web-only', 'base', 'bun.lock').get('@ionic/core')?.version).toBe('voyager-ionic-core@8.7.9')
  })
})

describe('an app in a subfolder of a workspace', () => {
  let repo: TestRepo
  afterEach(() => repo.cleanup())

  it('reads its importer in the root pnpm-lock.yaml', async () => {
    repo = new TestRepo()
    const lock = (camera: string) => [
      "lockfileVersion: '9.0'",
      '',
      'importers:',
      '',
      '  .:',
      '    devDependencies:',
      '      lodash:',
      '        specifier: 4.17.21',
      '        version: 4.17.21',
      '',
      '  apps/mobile:',
      '    dependencies:',
      "      '@capacitor/camera':",
      `        specifier: ${camera}`,
      `        version: ${camera}(@capacitor/core@6.1.2)`,
      '',
      'packages:',
      '',
      `  '@capacitor/camera@${camera}':`,
      `    resolution: {integrity: sha512-${camera}}`,
      ''
    ].join('\n')
    const app = (camera: string) => JSON.stringify({ name: 'mobile', dependencies: { '@capacitor/core': '6.1.2', '@capacitor/camera': camera } })
    repo.write('package.json', '{"name":"root","private":true}').write('pnpm-lock.yaml', lock('6.0.0')).write('apps/mobile/package.json', app('6.0.0'))
    repo.write('apps/mobile/capacitor.config.json', '{"appId":"com.example.mobile","webDir":"dist"}').write('apps/mobile/dist/index.html', '<p>app</p>')
    const base = repo.commit('base')
    repo.write('pnpm-lock.yaml', lock('7.0.0')).write('apps/mobile/package.json', app('7.0.0')).commit('bump camera')
    const projectDir = join(repo.dir, 'apps', 'mobile')
    const verdict = await checkEligibility({ projectDir, webDir: join(projectDir, 'dist'), pullRequestBase: base })
    expect(verdict.reasons.map((r) => r.message)).toEqual(['@capacitor/camera 6.0.0 → 7.0.0 (native plugin)'])
    expect(verdict.notes).toContain('this change: read ../../pnpm-lock.yaml (workspace apps/mobile) (the only lockfile)')
  })
})

describe('a local plugin (file: or link:) against a baseline read from its lockfile', () => {
  let repo: TestRepo
  afterEach(() => repo.cleanup())

  it('hashes its native files at the baseline commit, so an edit in place counts and an untouched plugin does not', async () => {
    repo = new TestRepo().capacitorApp({})
    const manifest = { '@capacitor/core': '6.0.0', lodash: '4.17.20', 'local-plugin': 'file:plugins/local-plugin' }
    repo.write('package.json', JSON.stringify({ name: 'app', version: '1.0.0', dependencies: manifest }))
    repo.write('package-lock.json', JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': { dependencies: manifest }, 'node_modules/local-plugin': { resolved: 'plugins/local-plugin', link: true }, 'plugins/local-plugin': { name: 'local-plugin', version: '1.0.0' } } }))
    repo.write('plugins/local-plugin/package.json', JSON.stringify({ name: 'local-plugin', version: '1.0.0', capacitor: { android: { src: 'android' } } }))
    repo.write('plugins/local-plugin/android/src/main/java/LocalPlugin.java', 'class LocalPlugin {}\n')
    symlinkSync('../plugins/local-plugin', join(repo.dir, 'node_modules', 'local-plugin'))
    const base = repo.commit('base')
    const reasons = async () => (await checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base })).reasons.map((r) => r.message)
    repo.write('src/main.js', 'console.log(2)\n').commit('web')
    expect(await reasons()).toEqual([])
    repo.write('plugins/local-plugin/android/src/main/java/LocalPlugin.java', 'class LocalPlugin { int x; }\n').commit('edit the plugin in place')
    expect(await reasons()).toEqual(['local-plugin 1.0.0: native sources changed (patched or linked plugin)'])
  })
})
