/** Inputs and variables whose values must never reach a log line, output, summary or comment. */
const SECRET_INPUTS = ['github-token', 'signing-key', 's3-access-key-id', 's3-secret-access-key', 's3-session-token', 'capgo-token', 'capgo-encryption-key']
const SECRET_VARIABLES = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'GITHUB_TOKEN']
/** Shorter text is not hidden: replacing it would hide ordinary words of the log. */
const SHORTEST_SECRET = 6

/**
 * What of one secret is hidden: the value and each line of a multi-line one (the runner
 * masks per line, and PEM keys are printed line by line), but not a PEM armour line.
 */
export function secretParts(value: string | undefined): string[] {
  if (!value || value.trim().length < SHORTEST_SECRET) return []
  const lines = value.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length >= SHORTEST_SECRET && !/^-----/.test(line))
  return [...new Set([value.trim(), ...lines])]
}

/** Every secret value the run was given, and each line of multi-line ones (PEM keys). */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = [
    ...SECRET_INPUTS.map((name) => env[`INPUT_${name.toUpperCase()}`]),
    ...SECRET_VARIABLES.map((name) => env[name])
  ]
  const found = new Set(values.flatMap(secretParts))
  // Longest first, so a whole key is replaced before its lines.
  return [...found].sort((a, b) => b.length - a.length)
}

/** Replaces each secret in text with ***: errors from backends or builds may echo them. */
export function redact(text: string, secrets: string[]): string {
  let result = text
  for (const secret of secrets) result = result.split(secret).join('***')
  return result
}
