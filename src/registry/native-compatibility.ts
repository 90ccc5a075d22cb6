import { UserError } from '../errors.js'
import { PLATFORMS, type NativeVersions } from './releases.js'
import { currentRelease } from './pointer.js'
import type { ChannelPointer } from './types.js'

const NATIVE_VERSION_FILES = { android: 'android/app/build.gradle', ios: 'ios/App/App.xcodeproj/project.pbxproj (MARKETING_VERSION)' }

/**
 * A bundle made for other native code must not carry a native version that earlier releases
 * of the channel name: the update endpoint tells devices' builds apart by that version only,
 * so devices still on the old store build would be sent it (docs/architecture.md, Native
 * builds and rollouts). Checked before anything is stored, for a change the eligibility
 * check found to need a store release (an eligible one runs on the same builds).
 */
export function checkNativeVersionBumped(pointer: ChannelPointer | undefined, fingerprint: string, native: NativeVersions | undefined): void {
  if (!pointer || !native) return
  const releases = [currentRelease(pointer), ...(pointer.previous ?? [])]
  for (const platform of PLATFORMS) {
    const name = native[platform]?.name
    if (!name) continue
    const clash = releases.find((release) => release.native?.[platform]?.name === name && release.nativeFingerprint && release.nativeFingerprint !== fingerprint)
    if (clash) {
      throw new UserError(
        `The native code changed since ${clash.version} on channel ${pointer.channel}, but the ${platform} app version is still ${name} (${NATIVE_VERSION_FILES[platform]}), so devices on the installed ${name} build would be sent a bundle that needs the new native code: bump the native version for the new store build, then run again.`
      )
    }
  }
}
