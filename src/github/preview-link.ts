import qrcode from 'qrcode-generator'
import { errorMessage, UserError } from '../errors.js'
import type { Backend, ChannelPointer } from '../registry/types.js'

/** What a preview-url template may name: each is URL-encoded where it goes. */
const PLACEHOLDERS = ['channel', 'version', 'appId'] as const
type PreviewValues = Record<(typeof PLACEHOLDERS)[number], string>

/** Schemes a link must never have: they run code where they are opened. */
const FORBIDDEN_SCHEMES = ['javascript:', 'data:', 'vbscript:', 'file:']

/** The template filled in, as the URL parser writes it (ASCII: what the QR code holds). */
export function previewLink(template: string, values: PreviewValues): string {
  return new URL(template.replace(/\{(\w+)\}/g, (_, name: keyof PreviewValues) => encodeURIComponent(values[name]))).href
}

/** Validates the preview-url input up front: known placeholders, a URL once they are filled in. */
export function checkPreviewUrl(input: string, template: string): string {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name))
  if (unknown.length) {
    throw new UserError(`The ${input} "${template}" names {${unknown.join('}, {')}}: use only ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`)
  }
  let url: URL
  try {
    url = new URL(previewLink(template, { channel: 'pr-1', version: '1.0.0', appId: 'com.example.app' }))
  } catch {
    throw new UserError(`The ${input} "${template}" is not a URL: use an absolute URL such as myapp://live-update?channel={channel} or https://example.com/install?channel={channel}.`)
  }
  if (FORBIDDEN_SCHEMES.includes(url.protocol)) {
    throw new UserError(`The ${input} "${template}" uses ${url.protocol}, which a tester's phone must not open: use https: or the app's own scheme.`)
  }
  return template
}

/** GitHub links only http(s) in comments; an app's own scheme is reached through the QR code. */
export function isWebLink(url: string): boolean {
  return /^https?:\/\//i.test(url)
}

/** A QR code of the link as a standalone SVG file, about 200 pixels wide. */
export function qrCodeSvg(text: string): string {
  const code = qrcode(0, 'M')
  code.addData(text, 'Byte')
  code.make()
  const cellSize = Math.max(2, Math.floor(200 / (code.getModuleCount() + 8)))
  const tag = code.createSvgTag({ cellSize, margin: cellSize * 4 })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${tag}\n`
}

/** The preview link of a published version, and where its QR code is hosted, or why it is not. */
export type Preview = { url: string; qrCodeUrl: string } | { url: string; qrCodeUrl?: undefined; noQrCode: string }

/**
 * Fills in the link and stores its QR code next to the bundle. The pointer has moved by
 * now: a QR code that cannot be stored costs the picture, never the publish.
 */
export async function makePreview(template: string, backend: Pick<Backend, 'name' | 'storePreviewQrCode'>, appId: string, pointer: Pick<ChannelPointer, 'channel' | 'version'>): Promise<Preview> {
  const url = previewLink(template, { channel: pointer.channel, version: pointer.version, appId })
  if (!backend.storePreviewQrCode) return { url, noQrCode: `the ${backend.name} backend hosts no files` }
  try {
    const qrCodeUrl = await backend.storePreviewQrCode(appId, pointer.version, qrCodeSvg(url))
    if (!isWebLink(qrCodeUrl)) return { url, noQrCode: 'the registry is not served over http(s): set public-url' }
    return { url, qrCodeUrl }
  } catch (error) {
    return { url, noQrCode: `the QR code could not be stored (${errorMessage(error).replace(/\.$/, '')})` }
  }
}

export function describePreview(preview: Preview): string {
  return 'noQrCode' in preview ? `${preview.url}, no QR code: ${preview.noQrCode}` : `${preview.url}, QR code at ${preview.qrCodeUrl}`
}
