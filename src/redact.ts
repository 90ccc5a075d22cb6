/** Inputs and variables whose values must never reach a log line, output, summary or comment. */
const SECRET_INPUTS = ['github-token', 'signing-key', 's3-access-key-id', 's3-secret-access-key', 's3-session-token', 'capgo-token', 'capgo-encryption-key']
const SECRET_VARIABLES = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'GITHUB_TOKEN']
const SHORTEST_SECRET = 6

/** Every secret value the run was given, and each line of multi-line ones (PEM keys). */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = [
    ...SECRET_INPUTS.map((name) => env[`INPUT_${name.toUpperCase()}`]),
    ...SECRET_VARIABLES.map((name) => env[name])
  ]
  const found = new Set<string>()
  for (const value of values) {
    if (!value || value.trim().length < SHORTEST_SECRET) continue
    found.add(value.trim())
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= SHORTEST_SECRET && !/^-----/.test(line.trim())) found.add(line.trim())
  }
  // Longest first, so a whole key is replaced before its lines.
  return [...found].sort((a, b) => b.length - a.length)
}

/** Replaces each secret in text with ***: errors from backends or builds may echo them. */
export function redact(text: string, secrets: string[]): string {
  let result = text
  for (const secret of secrets) result = result.split(secret).join('***')
  return result
}
