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
