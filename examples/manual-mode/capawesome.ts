// @capawesome/capacitor-live-update, in manual mode: the app reads the registry and applies bundles itself.
// capacitor.config: plugins.LiveUpdate = { readyTimeout: 10000 } (no autoUpdateStrategy), and, for
// bundles signed with an RSA signing-key, publicKey: the PEM the job summary prints, so the plugin
// checks the signature as well.
import { Capacitor } from '@capacitor/core'
import { LiveUpdate } from '@capawesome/capacitor-live-update'
import { findUpdate, REGISTRY } from './registry'

/** Call at every start: the bundle is applied at once, by reloading the web view. */
export async function updateFromRegistry(channel = 'production'): Promise<void> {
  // Without this, the plugin takes the running bundle for broken and rolls it back after readyTimeout.
  await LiveUpdate.ready()
  const platform = Capacitor.getPlatform()
  if (platform !== 'android' && platform !== 'ios') return
  // getVersionName: the store build's versionName / CFBundleShortVersionString, as the action recorded it.
  const [{ versionName }, { deviceId }, { bundleId }] = await Promise.all([
    LiveUpdate.getVersionName(),
    LiveUpdate.getDeviceId(),
    LiveUpdate.getCurrentBundle()
  ])
  const release = await findUpdate(REGISTRY, channel, { platform, versionName, deviceId }, bundleId ?? undefined)
  if (!release) return
  // The bundle id is the version: a bundle already downloaded is not downloaded again.
  const { bundleIds } = await LiveUpdate.getDownloadedBundles()
  if (!bundleIds.includes(release.version)) {
    // The plugin checks the archive's sha256 against the checksum, or, with a publicKey, the signature.
    await LiveUpdate.downloadBundle({ bundleId: release.version, url: release.url, checksum: release.checksum, signature: release.signature })
  }
  await LiveUpdate.setNextBundle({ bundleId: release.version })
  // Or leave it for the next start.
  await LiveUpdate.reload()
}
