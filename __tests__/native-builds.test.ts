import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readNativeVersions } from '../src/eligibility/native-versions.js'
import { workTree } from '../src/eligibility/tree.js'
import { currentRelease } from '../src/registry/pointer.js'
import { newestCompatible, releaseFor, retainReleases, RELEASES_KEPT, type DeviceBuild, type Release } from '../src/registry/releases.js'
import type { ChannelPointer } from '../src/registry/types.js'
import { runAction } from './helpers/action.js'
import { pushPayload } from './helpers/payloads.js'
import { infoPlist, nativeApp, pbxproj } from './helpers/native-project.js'
import { TestRepo } from './helpers/repo.js'

describe('readNativeVersions', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = new TestRepo()
  })
  afterEach(() => repo.cleanup())

  it('reads versionName/versionCode of defaultConfig and MARKETING_VERSION/CURRENT_PROJECT_VERSION through Info.plist', async () => {
    nativeApp(repo, '1.4', 14)
    expect(await readNativeVersions(workTree(repo.dir))).toEqual({ native: { android: { name: '1.4', code: '14' }, ios: { name: '1.4', code: '14' } }, unread: [] })
  })

  it('reads a Kotlin script, and a literal CFBundleShortVersionString over the build setting', async () => {
    repo.write('android/app/build.gradle.kts', 'android {\n  defaultConfig {\n    versionCode = 3\n    versionName = "2.0.1"\n  }\n}\n')
    repo.write('ios/App/App.xcodeproj/project.pbxproj', pbxproj('9.9', 3)).write('ios/App/App/Info.plist', infoPlist('2.0.1'))
    expect((await readNativeVersions(workTree(repo.dir))).native).toEqual({ android: { name: '2.0.1', code: '3' }, ios: { name: '2.0.1', code: '3' } })
  })

  it('says which version it cannot read rather than guess one', async () => {
    repo.write('android/app/build.gradle', 'android {\n  defaultConfig {\n    versionName project.ext.appVersion\n  }\n}\n')
    repo.write('ios/App/App.xcodeproj/project.pbxproj', pbxproj('1.0', 1, '1.1'))
    const read = await readNativeVersions(workTree(repo.dir))
    expect(read.native).toEqual({})
    expect(read.unread).toEqual([
      { platform: 'android', file: 'android/app/build.gradle', why: 'its versionName is not a quoted literal in defaultConfig' },
      { platform: 'ios', file: 'ios/App/App.xcodeproj/project.pbxproj', why: 'MARKETING_VERSION is missing, not a literal, or differs between build configurations' }
    ])
  })

  it('records nothing for a project without native folders', async () => {
    expect(await readNativeVersions(workTree(repo.dir))).toEqual({ native: {}, unread: [] })
  })
})

const release = (version: string, fingerprint: string, android?: string): Release => ({
  version, url: `https://cdn.example.com/${version}.zip`, checksum: version.replace(/\D/g, '').padEnd(64, '0'), size: 1, nativeFingerprint: fingerprint,
  publishedAt: '2026-12-01T00:00:00Z', ...(android ? { native: { android: { name: android } } } : {})
})
const device = (versionName: string, deviceId = 'device-1'): DeviceBuild => ({ platform: 'android', versionName, deviceId })

describe('release selection by native build', () => {
  it('gives a device the newest release made for its build, and nothing for a build no release names', () => {
    const releases = [release('1.1.1', 'b'.repeat(64), '1.2'), release('1.1.0', 'b'.repeat(64), '1.1'), release('1.0.1', 'a'.repeat(64), '1.0'), release('1.0.0', 'a'.repeat(64), '1.0')]
    expect(newestCompatible(releases, device('1.0'))?.version).toBe('1.0.1')
    // 1.2 is a store build of the same native code as 1.1: devices on either get 1.1.1.
    expect(newestCompatible(releases, device('1.1'))?.version).toBe('1.1.1')
    expect(newestCompatible(releases, device('0.9'))).toBeUndefined()
    expect(newestCompatible([release('1.0.0', 'a'.repeat(64))], device('0.9'))?.version).toBe('1.0.0')
  })

  it('keeps the newest release of each native build however many came after', () => {
    const newer = Array.from({ length: 15 }, (_, i) => release(`2.0.${14 - i}`, 'b'.repeat(64), '2.0'))
    const kept = retainReleases([...newer, release('1.0.3', 'a'.repeat(64), '1.0'), release('1.0.2', 'a'.repeat(64), '1.0')])
    expect(kept.map((r) => r.version)).toEqual([...newer.slice(0, RELEASES_KEPT).map((r) => r.version), '1.0.3'])
  })
})

describe('native builds recorded at publish time', () => {
  let repo: TestRepo
  beforeEach(() => {
    repo = nativeApp(new TestRepo().capacitorApp(), '1.0', 1)
    repo.commit('store build 1.0')
  })
  afterEach(() => repo.cleanup())

  const registry = () => join(repo.dir, '.registry')
  const tag = (version: string, inputs: Record<string, string> = {}) =>
    runAction({ cwd: repo.dir, eventName: 'push', ref: `refs/tags/v${version}`, payload: pushPayload(`refs/tags/v${version}`), inputs: { 'registry-path': registry(), ...inputs } })
  const pointer = (): ChannelPointer => JSON.parse(readFileSync(join(registry(), 'com.example.repo', 'channels', 'production.json'), 'utf8'))
  const answer = async (versionName: string) => {
    const current = pointer()
    return (await releaseFor(currentRelease(current), current, device(versionName)))?.version
  }

  it('sends each device the bundle made for its native build, after a native change with a version bump', async () => {
    expect((await tag('1.0.0')).exitCode).toBe(0)
    expect(pointer().native).toEqual({ android: { name: '1.0', code: '1' }, ios: { name: '1.0', code: '1' } })

    repo.installPackage('@capacitor/geolocation', '6.1.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '6.0.0', '@capacitor/geolocation': '6.1.0' })
    nativeApp(repo, '1.1', 2).commit('geolocation, store build 1.1')
    const second = await tag('1.1.0', { 'on-native-change': 'publish' })
    expect(second.exitCode).toBe(0)
    expect(second.stdout).toContain('native versions: android 1.1 (2), ios 1.1 (2)')
    expect(await answer('1.0')).toBe('1.0.0')
    expect(await answer('1.1')).toBe('1.1.0')

    repo.write('src/main.js', 'console.log("fix")\n').commit('web fix')
    expect((await tag('1.1.1')).exitCode).toBe(0)
    expect(await answer('1.0')).toBe('1.0.0')
    expect(await answer('1.1')).toBe('1.1.1')
    expect(await answer('0.9')).toBeUndefined()
  })

  it('refuses a native change that keeps the native version, and stores nothing', async () => {
    expect((await tag('1.0.0')).exitCode).toBe(0)
    repo.installPackage('@capacitor/geolocation', '6.1.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '6.0.0', '@capacitor/geolocation': '6.1.0' }).commit('geolocation')
    const run = await tag('1.1.0', { 'on-native-change': 'publish' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::error::The native code changed since 1.0.0 on channel production, but the android app version is still 1.0 (android/app/build.gradle), so devices on the installed 1.0 build would be sent a bundle that needs the new native code: bump the native version for the new store build, then run again.')
    expect(pointer().version).toBe('1.0.0')
    expect(existsSync(join(registry(), 'com.example.repo', 'bundles', '1.1.0'))).toBe(false)
  })

  it('refuses to publish a native change whose version it cannot read', async () => {
    expect((await tag('1.0.0')).exitCode).toBe(0)
    repo.installPackage('@capacitor/geolocation', '6.1.0', true).writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', '@capacitor/camera': '6.0.0', '@capacitor/geolocation': '6.1.0' })
    repo.write('android/app/build.gradle', 'android {\n  defaultConfig {\n    versionName appVersion()\n  }\n}\n').commit('computed version')
    const run = await tag('1.1.0', { 'on-native-change': 'publish' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('the android app version in android/app/build.gradle cannot be read (its versionName is not a quoted literal in defaultConfig)')
    expect(pointer().version).toBe('1.0.0')
  })
})
