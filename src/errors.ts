/**
 * An error the user can fix: its message is one sentence naming the input or file
 * and what to do. main.ts prints it as is; any other error is a bug and gets its stack.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError'
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * The backend's credentials are absent (a fork's pull request, a secret not set):
 * publishing is skipped with a notice instead of failing the step.
 */
export class MissingCredentialsError extends UserError {
  override readonly name = 'MissingCredentialsError'
}
