import type { RunReport } from '../report.js'

/**
 * "How to test": what a tester does to put a device on the preview's channel. Everything
 * a tester needs (an install link, an update endpoint) belongs in this one section.
 */
export function howToTestLines(report: RunReport): string[] {
  const { outcome } = report
  if (outcome.kind !== 'published') return []
  const { channel } = outcome.result.pointer
  if (channel === 'production') return []
  return [
    '### How to test',
    '',
    'Put a test device on this channel with @capgo/capacitor-updater:',
    '',
    '```ts',
    `await CapacitorUpdater.setChannel({ channel: '${channel.replace(/[^A-Za-z0-9._-]/g, '')}' })`,
    '```',
    ''
  ]
}
