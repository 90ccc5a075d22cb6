import type { Row } from './measure.js'

function figure(value: number | null, unit: string): string {
  if (value === null) return 'n/a'
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
  return `${value.toFixed(digits)} ${unit}`
}

const verdict = (row: Row) => (row.met === undefined ? '' : row.met ? 'yes' : 'NO')

/** The rows as a Markdown table, readable in a terminal and pasteable into the README. */
export function renderTable(rows: Row[]): string {
  const header = ['stage', 'measure', 'action', 'baseline', 'ratio', 'target', 'met', 'note']
  const lines = rows.map((row) => [
    row.stage, row.measure, figure(row.action, row.unit), figure(row.baseline, row.unit),
    row.ratio === null ? '' : row.ratio.toFixed(2), row.target, verdict(row), row.note ?? ''
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)))
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n')
}
