import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

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

/** Where a command's output is streamed: the step's log (process.stdout) unless given. */
export interface OutputStreams {
  out?: NodeJS.WritableStream
  err?: NodeJS.WritableStream
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * A bare command name looked up on the PATH of the environment the command gets (not on
 * this process's), so the environment port decides which program runs.
 */
function onPath(command: string, env: NodeJS.ProcessEnv | undefined): string {
  if (!env?.PATH || process.platform === 'win32' || isAbsolute(command) || command.includes('/')) return command
  return env.PATH.split(delimiter).map((dir) => join(dir, command)).find(isExecutable) ?? command
}

/** @actions/exec, loaded by the first command a run starts. */
const loadExec = () => import('@actions/exec')

/** Runs commands with @actions/exec, its `[command]` lines and output streamed like the runner shows them. */
export function execRunner(streams: OutputStreams = {}): CommandRunner {
  const common = { ignoreReturnCode: true, outStream: streams.out as never, errStream: streams.err as never }
  return {
    run: async (command, args, { cwd, env }) => (await loadExec()).exec(onPath(command, env), args, { ...common, cwd, env: env as Record<string, string> }),
    async capture(command, args, { cwd, env, silent, input }) {
      const result = await (await loadExec()).getExecOutput(onPath(command, env), args, {
        ...common,
        cwd,
        env: env as Record<string, string>,
        silent,
        input: input === undefined ? undefined : Buffer.from(input)
      })
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
    }
  }
}
