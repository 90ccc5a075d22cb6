import { UserError } from '../errors.js'
import { redact, secretParts } from '../redact.js'
import type { CommandRunner } from '../command-runner.js'
import type { Log } from '../workflow.js'

/** Capgo's official CLI, pinned: a new version is adopted on purpose, after its flags are checked. */
export const CAPGO_CLI_VERSION = '8.68.1'
export const CAPGO_CLI = `@capgo/cli@${CAPGO_CLI_VERSION}`

export interface CapgoCliOptions {
  token: string
  runner: CommandRunner
  /** The environment the CLI runs in (PATH, proxies), with CAPGO_TOKEN added. */
  env: NodeJS.ProcessEnv
  log: Log
  cwd: string
  /** Capgo's v2 private key: the CLI encrypts and signs the bundle with it. */
  encryptionKey?: string
}

/** What one run of the CLI gave: stdout alone for the answers it prints, both streams for messages. */
interface CliRun {
  exitCode: number
  stdout: string
  output: string
}

export type CapgoCli = (args: string[]) => Promise<CliRun>

/** Runs the pinned CLI with npx, the API key in CAPGO_TOKEN only, the secrets hidden in what it logs and returns. */
export function capgoCli(options: CapgoCliOptions): CapgoCli {
  const secrets = [options.token, options.encryptionKey].flatMap(secretParts)
  return async (args) => {
    options.log.info(`[command]npx --yes ${CAPGO_CLI} ${args.map((arg) => redact(arg, secrets)).join(' ')}`)
    const result = await options.runner.capture('npx', ['--yes', CAPGO_CLI, ...args], {
      cwd: options.cwd,
      // The API key goes by CAPGO_TOKEN, never on the command line.
      env: { ...options.env, CAPGO_TOKEN: options.token },
      silent: true
    })
    const output = redact(`${result.stdout}\n${result.stderr}`.trim(), secrets)
    if (output) options.log.info(output)
    return { exitCode: result.exitCode, stdout: redact(result.stdout, secrets), output }
  }
}

/** The CLI's last words, for a one-sentence error. */
export function lastLines(output: string, count: number): string {
  return output.split('\n').filter(Boolean).slice(-count).join(' ').slice(0, 500)
}

/** What a failed CLI run was doing, for its one-sentence error. */
export interface CliTask {
  /** "Capgo refused …": the upload, to point production at 1.2.0. */
  refused: string
  /** "The Capgo CLI failed to …". */
  doing: string
  /** The channel whose devices' native packages Capgo compared. */
  channel: string
  /** The API key's rights the task needs. */
  rights: string
}

/** The user's error in a failed run: a native-package refusal, a refused key, or what the CLI said. */
export function cliFailure(output: string, task: CliTask): UserError {
  const tail = lastLines(output, 3)
  if (/incompatible|not compatible|native package/i.test(output)) {
    return new UserError(`Capgo refused ${task.refused}: the native packages of this bundle differ from those of channel ${task.channel}'s devices (${tail}); this change needs a store release, so ship a native build first.`)
  }
  if (/api ?key|unauthori[sz]ed|invalid key|401|403/i.test(output)) {
    return new UserError(`Capgo refused the capgo-token (${tail}): give an API key with ${task.rights} from the Capgo console as the capgo-token input.`)
  }
  return new UserError(`The Capgo CLI failed to ${task.doing} (${tail}): fix what it says, then run again.`)
}
