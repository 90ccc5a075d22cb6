// @capgo/capacitor-updater, in manual mode: the app reads the registry and applies bundles itself.
// capacitor.config: plugins.CapacitorUpdater = { autoUpdate: false, statsUrl: '' }, so the plugin
// neither asks Capgo's servers for updates nor reports to them.
import { Capacitor } from '@capacitor/core'
import { CapacitorUpdater } from '@capgo/capacitor-updater'
import { findUpdate, REGISTRY } from './registry'

/** Call at every start: the bundle is applied when the app next goes to the background. */
export async function updateFromRegistry(channel = 'production'): Promise<void> {
  // Without this, the plugin takes the running bundle for broken and rolls it back.
  await CapacitorUpdater.notifyAppReady()
  const platform = Capacitor.getPlatform()
  if (platform !== 'android' && platform !== 'ios') return
  // getBuiltinVersion: the store build's versionName / CFBundleShortVersionString, as the action recorded it
  // (leave plugins.CapacitorUpdater.version unset: it would stand in for them).
  const [{ version: versionName }, { deviceId }, { bundle }] = await Promise.all([
    CapacitorUpdater.getBuiltinVersion(),
    CapacitorUpdater.getDeviceId(),
    CapacitorUpdater.current()
  ])
  const release = await findUpdate(REGISTRY, channel, { platform, versionName, deviceId }, bundle.version)
  if (!release) return
  const { bundles } = await CapacitorUpdater.list()
  const downloaded = bundles.find((b) => b.version === release.version && b.status === 'success')
  // The plugin checks the archive's sha256 against the checksum (plugin 5.50.1, 6.14.28, 7.0.2 and later).
  const next = downloaded ?? (await CapacitorUpdater.download({ url: release.url, version: release.version, checksum: release.checksum }))
  await CapacitorUpdater.next({ id: next.id })
  // Or apply it now, reloading the app: await CapacitorUpdater.set({ id: next.id })
}
