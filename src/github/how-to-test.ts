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

/**
 * "How to test": what a tester does to put a device on the preview's channel. Everything
 * a tester needs (the preview link, an update endpoint) belongs in this one section.
 */
export function howToTestLines(report: RunReport): string[] {
  const { outcome } = report
  if (outcome.kind !== 'published') return []
  const { channel } = outcome.result.pointer
  if (channel === 'production') return []
  const preview = previewLines(report)
  return [
    '### How to test',
    '',
    ...preview,
    `${preview.length ? 'Or put' : 'Put'} a test device on this channel with @capgo/capacitor-updater:`,
    '',
    '```ts',
    `await CapacitorUpdater.setChannel({ channel: '${channel.replace(/[^A-Za-z0-9._-]/g, '')}' })`,
    '```',
    ''
  ]
}
