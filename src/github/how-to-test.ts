import { registryKeys } from '../registry/layout.js'
import { capawesomeSettings, capgoSettings } from '../registry/endpoint-routes.js'
import type { RunReport } from '../report.js'
import { code, escapeMarkdown, linkDestination } from './markdown.js'
import { isWebLink } from './preview-link.js'

/** The preview-url link, and its QR code where the backend hosts it. */
function previewLines(report: RunReport): string[] {
  const { preview } = report
  if (!preview) return []
  const open = isWebLink(preview.url)
    ? `Open [${escapeMarkdown(preview.url)}](${linkDestination(preview.url)}) on the phone`
    : `Open ${code(preview.url)} on the phone (GitHub links only web addresses)`
  if (!preview.qrCodeUrl) return [`${open}.`, '']
  return [`${open}, or scan this with its camera:`, '', `![QR code of the preview link](${linkDestination(preview.qrCodeUrl)})`, '']
}

const block = (language: string, lines: string[]): string[] => ['```' + language, ...lines, '```', '']

/** Capgo Cloud answers the plugin itself, and the capgo backend publishes pr-N with self-assignment allowed. */
function capgoCloudLines(channel: string, lead: string): string[] {
  return [
    `${lead} with \`@capgo/capacitor-updater\`, which asks Capgo Cloud (its default \`updateUrl\`, \`channelUrl\` and \`statsUrl\`; this channel allows self-assignment):`,
    '',
    ...block('ts', [`await CapacitorUpdater.setChannel({ channel: '${channel}' })`])
  ]
}

/** capacitor.config settings as JSON, the form capacitor.config.json takes and .ts accepts. */
const settingsJson = (settings: Record<string, string>): string[] => JSON.stringify(settings, null, 2).split('\n')

/** Each plugin's settings for the update endpoint, and the call that puts the device on the channel. */
function endpointLines(report: RunReport, endpointUrl: string, channel: string, lead: string): string[] {
  const capawesome = capawesomeSettings(endpointUrl, report.appId ?? '')
  return [
    `${lead} through the update endpoint at ${isWebLink(endpointUrl) ? `[${escapeMarkdown(endpointUrl)}](${linkDestination(endpointUrl)})` : code(endpointUrl)}.`,
    '',
    '**`@capgo/capacitor-updater`**: set `plugins.CapacitorUpdater` in capacitor.config, then, in the app:',
    '',
    ...block('json', settingsJson(capgoSettings(endpointUrl))),
    ...block('ts', [`await CapacitorUpdater.setChannel({ channel: '${channel}' })`]),
    ...('unreachable' in capawesome
      ? [`**\`@capawesome/capacitor-live-update\`** cannot use this endpoint: ${escapeMarkdown(capawesome.unreachable)}.`, '']
      : [
          '**`@capawesome/capacitor-live-update`**: set `plugins.LiveUpdate` in capacitor.config, then, in the app:',
          '',
          ...block('json', settingsJson(capawesome)),
          ...block('ts', [`await LiveUpdate.sync({ channel: '${channel}' })`, 'await LiveUpdate.reload()'])
        ])
  ]
}

/** The channel pointer's address, beside the bundle's, where devices can fetch it. */
function pointerUrl(report: RunReport, bundleUrl: string, version: string, channel: string): string | undefined {
  const bundleKey = registryKeys.bundle(report.appId ?? '', version)
  if (!isWebLink(bundleUrl) || !bundleUrl.endsWith(`/${bundleKey}`)) return undefined
  return `${bundleUrl.slice(0, -bundleKey.length)}${registryKeys.pointer(report.appId ?? '', channel)}`
}

/** A registry with no endpoint named: setChannel has nothing to ask, so say what is needed, and what works without. */
function noEndpointLines(pointer: string | undefined): string[] {
  const manual = pointer
    ? `Without one, app code can read this channel's pointer, ${code(pointer)}, itself (README, "Manual mode").`
    : 'Without one, app code can read the channel\'s pointer itself, once the registry is served over https (README, "Manual mode").'
  return [
    '`CapacitorUpdater.setChannel` and `LiveUpdate.sync` need the update endpoint in front of this registry (README, "Update endpoint"): set the `update-endpoint-url` input to its address, and this section shows what to put in capacitor.config.',
    manual,
    ''
  ]
}

/**
 * "How to test": what a tester does to put a device on the preview's channel, for the
 * backend that published it. Everything a tester needs belongs in this one section.
 */
export function howToTestLines(report: RunReport): string[] {
  const { outcome } = report
  if (outcome.kind !== 'published') return []
  const { pointer, bundleUrl } = outcome.result
  if (pointer.channel === 'production') return []
  const channel = pointer.channel.replace(/[^A-Za-z0-9._-]/g, '')
  const preview = previewLines(report)
  const lead = `${preview.length ? 'Or put' : 'Put'} a test device on ${code(channel)}`
  let device: string[]
  if (report.backend === 'capgo') device = capgoCloudLines(channel, lead)
  else if (report.updateEndpointUrl) device = endpointLines(report, report.updateEndpointUrl, channel, lead)
  else device = noEndpointLines(pointerUrl(report, bundleUrl, pointer.version, channel))
  return ['### How to test', '', ...preview, ...device]
}
