/*
 * Where the update endpoint (src/endpoint/) answers each plugin, and what an app sets in
 * capacitor.config to reach it. Pure and free of Node modules, like releases.ts, so the
 * endpoint's Worker build can share it with the pull-request comment.
 */

/**
 * @capgo/capacitor-updater's three URLs, named after its defaults
 * (https://plugin.capgo.app/updates, /channel_self, /stats in its definitions.d.ts, 8.51).
 */
export const CAPGO_ROUTES = { updateUrl: '/updates', channelUrl: '/channel_self', statsUrl: '/stats' } as const

/** @capgo/capacitor-updater's `plugins.CapacitorUpdater` settings for an endpoint. */
export type CapgoSettings = Record<keyof typeof CAPGO_ROUTES, string>

/**
 * @capawesome/capacitor-live-update's `plugins.LiveUpdate` settings, or why it cannot reach
 * the endpoint: it builds `https://<serverDomain>/v1/apps/<appId>/bundles/latest` (Android with
 * OkHttp's HttpUrl.Builder().scheme("https").host(serverDomain), 8.4), so the endpoint must be
 * served over https, on the default port, at the root of its host.
 */
export type CapawesomeSettings = { appId: string; serverDomain: string } | { unreachable: string }

export function capgoSettings(endpointUrl: string): CapgoSettings {
  const base = endpointUrl.replace(/\/+$/, '')
  return {
    updateUrl: `${base}${CAPGO_ROUTES.updateUrl}`,
    channelUrl: `${base}${CAPGO_ROUTES.channelUrl}`,
    statsUrl: `${base}${CAPGO_ROUTES.statsUrl}`
  }
}

/** `appId` is the registry's app id: the plugin puts it in the request path. */
export function capawesomeSettings(endpointUrl: string, appId: string): CapawesomeSettings {
  const url = new URL(endpointUrl)
  if (url.protocol !== 'https:') return { unreachable: 'it reaches an endpoint only over https' }
  if (url.port) return { unreachable: `it reaches an endpoint only on port 443 (its serverDomain is a host name, not ${url.host})` }
  if (url.pathname !== '/') return { unreachable: `it reaches an endpoint only at the root of its host (its serverDomain takes no path such as ${url.pathname})` }
  return { appId, serverDomain: url.hostname }
}
