import type { BundleComparison, FileChange } from '../bundle/diff.js'
import { formatBytes } from '../stages.js'
import { code, folded, sizeDelta, table } from './markdown.js'

const SHOWN_FILES = 10

type Compared = Extract<BundleComparison, { kind: 'compared' }>

/** `production` (`1.4.1`): what the comparison was made against. */
export function comparedWith(comparison: Compared): string {
  return `${code(comparison.channel)} (${code(comparison.version)})`
}

function countChanges(changes: FileChange[]): string {
  const counts = (['added', 'removed', 'changed'] as const)
    .map((kind) => [kind, changes.filter((change) => change.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
  return counts.map(([kind, count]) => `${count} ${kind}`).join(', ')
}

function fileTable(changes: FileChange[]): string[] {
  return table(
    ['File', 'Change', 'Size', 'Size change'],
    changes.map((change) => [code(change.path), change.kind, change.kind === 'removed' ? '' : formatBytes(change.size), sizeDelta(change.delta)]),
    ['left', 'left', 'right', 'right']
  )
}

/** The section a reviewer reads to see what reaches devices: files, then totals. */
export function bundleChangeLines(comparison: BundleComparison | undefined): string[] {
  if (!comparison) return []
  if (comparison.kind === 'none') return ['### What changed in the bundle', '', `Nothing to compare with: ${comparison.reason}.`, '']
  const { changes, unchanged, content, archive } = comparison
  const intro = changes.length
    ? `Against ${comparedWith(comparison)}, what its devices run now: ${countChanges(changes)}, ${unchanged} unchanged.`
    : `No file changed against ${comparedWith(comparison)}, what its devices run now.`
  const shown = changes.slice(0, SHOWN_FILES)
  const rest = changes.slice(SHOWN_FILES)
  const totals = table(
    ['Total', 'Before', 'After', 'Change'],
    [
      ['Files, unpacked', formatBytes(content.before), formatBytes(content.after), sizeDelta(content.after - content.before)],
      ['Archive, what a device downloads', formatBytes(archive.before), formatBytes(archive.after), sizeDelta(archive.after - archive.before)]
    ],
    ['left', 'right', 'right', 'right']
  )
  return [
    '### What changed in the bundle',
    '',
    intro,
    '',
    ...(shown.length ? [...fileTable(shown), ''] : []),
    ...(rest.length ? [...folded(`${rest.length} more file${rest.length > 1 ? 's' : ''}`, fileTable(rest)), ''] : []),
    ...totals,
    ''
  ]
}
