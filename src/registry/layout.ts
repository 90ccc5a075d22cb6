/** DESIGN.md's registry layout, shared by every backend that stores files. */
export const registryKeys = {
  bundle: (appId: string, version: string) => `${appId}/bundles/${version}/bundle.zip`,
  manifest: (appId: string, version: string) => `${appId}/bundles/${version}/manifest.json`,
  pointer: (appId: string, channel: string) => `${appId}/channels/${channel}.json`,
  bundlesPrefix: (appId: string) => `${appId}/bundles/`,
  channelsPrefix: (appId: string) => `${appId}/channels/`
}

export const PREVIOUS_VERSIONS_KEPT = 10
