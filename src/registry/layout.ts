/** The registry layout (docs/architecture.md, Registry), shared by every backend that stores files. */

/** Cache-Control of what the registry stores: a version's objects never change, pointers and tombstones do. */
export const CACHE_CONTROL = { immutable: 'public, max-age=31536000, immutable', mutable: 'no-cache' } as const

export const registryKeys = {
  bundle: (appId: string, version: string) => `${appId}/bundles/${version}/bundle.zip`,
  manifest: (appId: string, version: string) => `${appId}/bundles/${version}/manifest.json`,
  /** The QR code of the preview link, for the pull-request comment; devices never read it. */
  previewQrCode: (appId: string, version: string) => `${appId}/bundles/${version}/preview-qr.svg`,
  /**
   * One file of the bundles, by the sha256 of its bytes, stored once whichever bundles hold it;
   * `.br` when stored brotli-compressed (storedFile in registry/stored-file.ts says which).
   */
  file: (appId: string, sha256: string, brotli: boolean) => `${appId}/files/${sha256}${brotli ? '.br' : ''}`,
  filesPrefix: (appId: string) => `${appId}/files/`,
  pointer: (appId: string, channel: string) => `${appId}/channels/${channel}.json`,
  bundlesPrefix: (appId: string) => `${appId}/bundles/`,
  channelsPrefix: (appId: string) => `${appId}/channels/`,
  /** A closed pull request's preview channel: written before its cleanup, checked by every publish; devices never read it. */
  closedChannel: (appId: string, channel: string) => `${appId}/closed-channels/${channel}.json`
}
