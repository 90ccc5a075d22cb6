import * as exec from '@actions/exec'

/** The one way stages start processes, so tests can run real ones or stand-ins. */
export interface CommandRunner {
  /** Runs a command with its output streamed to the log; resolves to the exit code. */
  run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<number>
  /** Runs a command and captures its output (also streamed unless silent). */
  capture(
    command: string,
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; silent?: boolean; input?: string }
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>
}

export const actionsRunner: CommandRunner = {
  run: (command, args, { cwd, env }) => exec.exec(command, args, { cwd, env: env as Record<string, string>, ignoreReturnCode: true }),
  async capture(command, args, { cwd, env, silent, input }) {
    const result = await exec.getExecOutput(command, args, {
      cwd,
      env: env as Record<string, string>,
      ignoreReturnCode: true,
      silent,
      input: input === undefined ? undefined : Buffer.from(input)
    })
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }
}
