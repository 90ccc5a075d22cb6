import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkEligibility, type EligibilityInput } from '../src/eligibility/index.js'
import { scanBundle } from '../src/eligibility/scan.js'
import { capacitorConfigValue, changedKeys } from '../src/eligibility/config.js'
import { runAction } from './helpers/action.js'
import { pushPayload } from './helpers/payloads.js'
import { TestRepo } from './helpers/repo.js'

describe('checkEligibility on real git repositories', () => {
  let repo: TestRepo
  let base: string
  beforeEach(() => {
    repo = new TestRepo().capacitorApp()
    base = repo.commit('base')
  })
  afterEach(() => repo.cleanup())

  const check = (extra: Partial<EligibilityInput> = {}) =>
    checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base, ...extra })
  const messages = async (extra: Partial<EligibilityInput> = {}) => (await check(extra)).reasons.map((r) => r.message)

  it('finds a web-only change eligible', async () => {
    repo.write('src/main.js', 'console.log(2)\n').commit('web')
    const verdict = await check()
    expect(verdict).toMatchObject({ eligible: true, reasons: [], framework: 'capacitor', baseline: { kind: 'pull-request-base' } })
    expect(verdict.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(verdict.nativeSources.map((s) => s.label)).toEqual(expect.arrayContaining(['plugin:@capacitor/camera', 'ios/App/Podfile', 'capacitor.config.json']))
  })

  it('finds a pure-JavaScript dependency bump eligible', async () => {
    repo.installPackage('lodash', '4.17.21').writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.21', '@capacitor/camera': '6.0.0' }).commit('bump lodash')
    expect(await check()).toMatchObject({ eligible: true })
  })

  it('names a native plugin bump', async () => {
    repo.installPackage('@capacitor/camera', '7.0.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '7.0.0' }).commit('bump camera')
    const verdict = await check()
    expect(verdict.eligible).toBe(false)
    expect(verdict.reasons).toEqual([{ message: '@capacitor/camera 6.0.0 → 7.0.0 (native plugin)', file: 'package.json' }])
  })

  it('names an added native plugin, and a Cordova one', async () => {
    repo.installPackage('@capacitor/geolocation', '6.1.0', true).installPackage('cordova-plugin-x', '1.0.0', true)
    repo.writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '6.0.0', '@capacitor/geolocation': '6.1.0', 'cordova-plugin-x': '1.0.0' }).commit('add')
    expect(await messages()).toEqual(['plugin added: @capacitor/geolocation 6.1.0', 'plugin added: cordova-plugin-x 1.0.0'])
  })

  it('lets a removed native plugin through, with a note', async () => {
    repo.remove('node_modules/@capacitor/camera').writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20' }).commit('remove camera')
    const verdict = await check()
    expect(verdict.eligible).toBe(true)
    expect(verdict.notes[0]).toMatch(/^plugin removed: @capacitor\/camera 6\.0\.0 \(the installed app keeps it/)
  })

  it('names files changed under ios/ and android/', async () => {
    repo.write('ios/App/Podfile', "platform :ios, '15.0'\n").write('android/app/build.gradle', '// changed\n').commit('native')
    const verdict = await check()
    expect(verdict.reasons).toEqual([
      { message: 'ios/App/Podfile changed', file: 'ios/App/Podfile' },
      { message: 'android/app/build.gradle changed', file: 'android/app/build.gradle' }
    ])
  })

  it('ignores the web assets copied into the native projects', async () => {
    repo.write('ios/App/App/public/index.html', '<p>new</p>').write('android/app/src/main/assets/public/index.html', '<p>new</p>').commit('sync')
    expect(await check()).toMatchObject({ eligible: true })
  })

  it('names a changed capacitor.config', async () => {
    repo.write('capacitor.config.json', JSON.stringify({ appId: 'com.example.repo', webDir: 'dist', server: { androidScheme: 'http' } })).commit('config')
    expect(await messages()).toEqual(['capacitor.config.json changed: server.androidScheme'])
  })

  it('compares with a pull request base several commits back', async () => {
    repo.write('ios/App/App/AppDelegate.swift', 'import UIKit // 1\n').commit('one')
    repo.write('src/main.js', 'console.log(3)\n').commit('two')
    repo.write('README.md', 'docs').commit('three')
    expect(await messages()).toEqual(['ios/App/App/AppDelegate.swift changed'])
    expect(await messages({ pullRequestBase: repo.git('rev-parse', 'HEAD~1') })).toEqual([])
  })

  it('uses the native-baseline input over the pull request base, and names a bad one', async () => {
    repo.git('tag', 'store-1.0')
    repo.write('android/app/build.gradle', '// 2\n').commit('native')
    expect(await messages({ nativeBaseline: 'store-1.0', pullRequestBase: repo.git('rev-parse', 'HEAD') })).toEqual(['android/app/build.gradle changed'])
    await expect(check({ nativeBaseline: 'no-such-ref' })).rejects.toThrow(/The native-baseline input "no-such-ref" is not a commit, tag or branch of this clone/)
  })

  it('takes the channel pointer sources when there is no pull request', async () => {
    const recorded = (await check()).nativeSources
    repo.write('ios/App/Podfile', '# changed\n').commit('native')
    const verdict = await check({ pullRequestBase: undefined, channelBaseline: async () => ({ version: '1.0.0', sources: recorded }) })
    expect(verdict).toMatchObject({ eligible: false, baseline: { kind: 'channel', description: "the channel's current bundle 1.0.0" } })
    expect(verdict.reasons.map((r) => r.message)).toEqual(['ios/App/Podfile changed'])
  })

  it('falls back to the previous tag, else records a first publish', async () => {
    const first = await check({ pullRequestBase: undefined })
    expect(first).toMatchObject({ eligible: true, baseline: { kind: 'none' } })
    expect(first.notes.join()).toContain('native fingerprint was recorded')
    repo.git('tag', 'v1.0.0')
    repo.write('ios/App/Podfile', '# changed\n').commit('native')
    const verdict = await check({ pullRequestBase: undefined })
    expect(verdict).toMatchObject({ eligible: false, baseline: { kind: 'tag', description: 'the previous tag v1.0.0' } })
  })

  it('counts a patched native plugin (same version, other native source)', async () => {
    const recorded = (await check()).nativeSources
    repo.installPackage('@capacitor/camera', '6.0.0', true, '// patched')
    const verdict = await check({ pullRequestBase: undefined, channelBaseline: async () => ({ version: '1', sources: recorded }) })
    expect(verdict.reasons.map((r) => r.message)).toEqual(['@capacitor/camera 6.0.0: native sources changed (patched or linked plugin)'])
  })
})

describe('frameworks', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo()
    repo.write('dist/index.html', '<p>x</p>')
  })
  afterEach(() => repo.cleanup())
  const check = () => checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist') })

  it('refuses a Flutter app and says why', async () => {
    repo.write('pubspec.yaml', 'name: app\ndependencies:\n  flutter:\n    sdk: flutter\n').commit('flutter')
    const verdict = await check()
    expect(verdict).toMatchObject({ eligible: false, framework: 'flutter' })
    expect(verdict.reasons).toEqual([{ message: 'Flutter app: Dart is compiled to native code, so its updates must go through the stores', file: 'pubspec.yaml' }])
  })

  it('reports React Native / Expo as not supported yet', async () => {
    repo.write('package.json', JSON.stringify({ dependencies: { expo: '^52.0.0', 'react-native': '0.76.0' } })).commit('rn')
    expect((await check()).reasons[0].message).toMatch(/^React Native \/ Expo app: not supported yet/)
  })

  it('finds a plain web app eligible', async () => {
    repo.write('package.json', JSON.stringify({ dependencies: { vite: '^6.0.0' } })).commit('web')
    expect(await check()).toMatchObject({ eligible: true, framework: 'web' })
  })

  it('tells a Cordova app', async () => {
    repo.write('config.xml', '<widget id="com.example.c"></widget>').commit('cordova')
    expect(await check()).toMatchObject({ framework: 'cordova', eligible: true })
  })
})

describe('scanBundle', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo()
    repo.write('web/index.html', '<p>x</p>')
  })
  afterEach(() => repo.cleanup())

  it('finds an ELF binary by its magic bytes under an innocent name, a .so by name, a .framework, a DEX by its whole magic (not text that starts with "dex")', async () => {
    writeFileSync(join(repo.dir, 'web', 'logo.png'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]))
    repo.write('web/lib/libfoo.so', 'x').write('web/Foo.framework/Foo', 'x').write('web/classes.bin', 'dex\n035\0')
      .write('web/words.css', 'dex\n{color:red}')
    const problems = (await scanBundle(join(repo.dir, 'web'))).map((p) => p.message)
    expect(problems).toEqual([
      'native framework in the bundle: Foo.framework/Foo',
      'native binary in the bundle: classes.bin (DEX)',
      'native binary in the bundle: lib/libfoo.so',
      'native binary in the bundle: logo.png (ELF)'
    ])
  })

  it('refuses a symlink that leaves the web dir', async () => {
    mkdirSync(join(repo.dir, 'outside'))
    repo.write('outside/secret.txt', 's')
    symlinkSync(join(repo.dir, 'outside'), join(repo.dir, 'web', 'linked'))
    await expect(scanBundle(join(repo.dir, 'web'))).rejects.toThrow(/symlink linked that points outside it/)
  })
})

describe('on-native-change through the built action', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo().capacitorApp()
    repo.commit('base')
  })
  afterEach(() => repo.cleanup())

  const push = (runNumber: number, inputs: Record<string, string> = {}) =>
    runAction({ cwd: repo.dir, eventName: 'push', ref: 'refs/heads/main', payload: pushPayload('refs/heads/main'), runNumber, inputs: { 'registry-path': join(repo.dir, '.registry'), ...inputs } })

  it('compares with what the channel has: fail, skip or publish a native change', async () => {
    const first = await push(1)
    expect(first.exitCode).toBe(0)
    expect(first.summary).toContain('native fingerprint was recorded')
    repo.installPackage('@capacitor/camera', '7.0.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '7.0.0' })
    repo.commit('bump camera')

    const failed = await push(2)
    expect(failed.exitCode).toBe(1)
    expect(failed.stdout).toContain('::error title=Needs a store release,file=package.json::@capacitor/camera 6.0.0 → 7.0.0 (native plugin)')
    expect(failed.outputs).toMatchObject({ eligible: 'false', published: 'false', reasons: JSON.stringify(['@capacitor/camera 6.0.0 → 7.0.0 (native plugin)']) })

    const skipped = await push(3, { 'on-native-change': 'skip' })
    expect(skipped.exitCode).toBe(0)
    expect(skipped.outputs.published).toBe('false')
    expect(skipped.summary).toContain('Needs a store release')
    // The pack ran beside the check: it is dropped, and nothing of either version reached the registry.
    for (const run of [failed, skipped]) expect(run.stdout).not.toContain('::group::Pack')
    expect(readdirSync(join(repo.dir, '.registry', 'com.example.repo', 'bundles'))).toEqual(['1.0.0-main.1'])

    // A store build of the new native code carries a new native version: devices are told apart by it.
    repo.write('android/app/build.gradle', 'android {\n  defaultConfig {\n    versionCode 2\n    versionName "1.1"\n  }\n}\n').commit('store build 1.1')
    const published = await push(4, { 'on-native-change': 'publish' })
    expect(published.exitCode).toBe(0)
    expect(published.outputs.published).toBe('true')
    expect(published.outputs.fingerprint).not.toBe(first.outputs.fingerprint)
    const pointer = JSON.parse(readFileSync(join(repo.dir, '.registry', 'com.example.repo', 'channels', 'main.json'), 'utf8'))
    expect(pointer).toMatchObject({ version: '1.0.0-main.4', nativeFingerprint: published.outputs.fingerprint })
  })
})

describe('capacitor.config compared by value', () => {
  const value = (file: string, source: string) => {
    const read = capacitorConfigValue(file, source)
    return 'value' in read ? read.value : read
  }

  it('reads the exported object of TypeScript, ESM and CommonJS configs, constants and spreads included', () => {
    const ts = "import type { CapacitorConfig } from '@capacitor/cli'\nconst base = { webDir: 'dist' }\nconst scheme = 'https'\nconst config: CapacitorConfig = { ...base, appId: `com.example.app`, server: { androidScheme: scheme, port: -1 } } satisfies CapacitorConfig\nexport default config\n"
    expect(value('capacitor.config.ts', ts)).toEqual({ webDir: 'dist', appId: 'com.example.app', server: { androidScheme: 'https', port: -1 } })
    expect(value('capacitor.config.js', "module.exports = { appId: 'com.example.app', plugins: { SplashScreen: { launchShowDuration: 3_000 } } }")).toEqual({ appId: 'com.example.app', plugins: { SplashScreen: { launchShowDuration: 3000 } } })
  })

  it('keeps code it does not evaluate as its text, so a change there still counts', () => {
    const config = (url: string) => `const config = { appId: 'a', server: process.env.LIVE ? { url: ${url} } : undefined }\nif (process.env.CI) config.webDir = 'www'\nexport default config`
    const before = value('capacitor.config.ts', config("'http://a'"))
    const after = value('capacitor.config.ts', config("'http://b'"))
    expect(before).toEqual({ appId: 'a', server: { $code: "process.env.LIVE ? { url: 'http://a' } : undefined" }, $code: ["if (process.env.CI) config.webDir = 'www'"] })
    expect(changedKeys(before, after)).toEqual(['server'])
  })

  it('names each key that changed, and a file it cannot parse', () => {
    expect(changedKeys({ appId: 'a', plugins: { A: { x: 1 } } }, { appId: 'a', plugins: { A: { x: 2 }, B: { y: true } } })).toEqual(['plugins.A.x', 'plugins.B.y'])
    expect(capacitorConfigValue('capacitor.config.ts', 'const = {')).toMatchObject({ error: expect.any(String) })
  })
})

describe('the js-only-packages override', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo().capacitorApp()
  })
  afterEach(() => repo.cleanup())

  it('leaves a package the team declares JavaScript-only out of the check, and says so', async () => {
    const base = repo.commit('base')
    repo.installPackage('@capacitor/camera', '7.0.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '7.0.0' }).commit('bump camera')
    const check = (jsOnlyPackages?: string[]) => checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), pullRequestBase: base, jsOnlyPackages })
    expect((await check()).eligible).toBe(false)
    const verdict = await check(['@capacitor/camera'])
    expect(verdict).toMatchObject({ eligible: true, reasons: [] })
    expect(verdict.notes[0]).toBe('js-only-packages: @capacitor/camera left out of the check, as the input declares them JavaScript-only')
    expect(verdict.nativeSources.map((s) => s.label)).not.toContain('plugin:@capacitor/camera')
  })

  it('is read from the action input, and a name that is not a package name is refused', async () => {
    repo.commit('base')
    const first = await runAction({ cwd: repo.dir, eventName: 'push', ref: 'refs/heads/main', payload: pushPayload('refs/heads/main'), runNumber: 1, inputs: { 'registry-path': join(repo.dir, '.registry') } })
    expect(first.exitCode).toBe(0)
    repo.installPackage('@capacitor/camera', '7.0.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '7.0.0' }).commit('bump camera')
    const inputs = (list: string) => ({ 'registry-path': join(repo.dir, '.registry'), 'js-only-packages': list })
    const run = await runAction({ cwd: repo.dir, eventName: 'push', ref: 'refs/heads/main', payload: pushPayload('refs/heads/main'), runNumber: 2, inputs: inputs('lodash,\n@capacitor/camera') })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ eligible: 'true', published: 'true' })
    const bad = await runAction({ cwd: repo.dir, eventName: 'push', ref: 'refs/heads/main', payload: pushPayload('refs/heads/main'), runNumber: 3, inputs: inputs('Camera Plugin!') })
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toContain('The js-only-packages input names "Camera", which is not an npm package name')
  })
})

describe('a channel manifest recorded by an earlier version', () => {
  let repo: TestRepo
  afterEach(() => repo.cleanup())

  it('compares its plugin hashes (over other files) by version, not as a change of native sources', async () => {
    repo = new TestRepo().capacitorApp()
    repo.commit('base')
    const recorded = (await checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist') })).nativeSources
      .map((s) => (s.kind === 'plugin' ? { ...s, hash: 'a'.repeat(64) } : s))
    const verdict = await checkEligibility({ projectDir: repo.dir, webDir: join(repo.dir, 'dist'), channelBaseline: async () => ({ version: '1', sources: recorded }) })
    expect(verdict).toMatchObject({ eligible: true, reasons: [] })
  })
})
