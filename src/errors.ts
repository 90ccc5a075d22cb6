/**
 * An error the user can fix: its message is one sentence naming the input or file
 * and what to do. main.ts prints it as is; any other error is a bug and gets its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError'
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
