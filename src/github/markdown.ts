import { formatBytes } from '../stages.js'

/**
 * Text from a pull request (titles, branch names) or from files goes into comments and
 * summaries: escape everything markdown or HTML could act on, so it stays text.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/([\\`*_{}[\]()#+!|~@-])/g, '\\$1')
}

/** Inline code that cannot be broken out of: backticks inside are replaced. */
export function code(text: string): string {
  return `\`${text.replace(/[`\r\n]/g, "'")}\``
}

/**
 * A table row. GFM splits cells on `|` before it reads code spans, so a pipe in a cell
 * (a file name in backticks) must be escaped even there; escapeMarkdown's `\|` already is.
 */
function tableRow(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/(?<!\\)\|/g, '\\|')).join(' | ')} |`
}

/** A table with a real header row: GFM draws an empty one as a blank bar. */
export function table(header: string[], rows: string[][], align: ('left' | 'right')[] = []): string[] {
  const rule = header.map((_, i) => (align[i] === 'right' ? '---:' : '---'))
  return [tableRow(header), `|${rule.join('|')}|`, ...rows.map(tableRow)]
}

/** Folded content: the blank lines let GitHub render the markdown inside the HTML block. */
export function folded(summary: string, lines: string[]): string[] {
  return [`<details><summary>${summary}</summary>`, '', ...lines, '', '</details>']
}

/** A size change such as `+1.2 KiB`, `−300 B` or `±0 B`. */
export function sizeDelta(delta: number): string {
  if (delta === 0) return '±0 B'
  return `${delta > 0 ? '+' : '−'}${formatBytes(Math.abs(delta))}`
}

/** A URL as a markdown link destination: characters that would end it are percent-encoded. */
export function linkDestination(url: string): string {
  return url.replace(/[()\s|<>"]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}
