import { readFileSync } from 'node:fs'
import { UserError } from './errors.js'

/** What the runner tells about the event, read once from the environment. */
export interface EventContext {
  eventName: string
  payload: Record<string, any>
  ref: string
  sha: string
  runNumber: number
  runId: string
  serverUrl: string
  apiUrl: string
  repository: string
}

export function readEventContext(env: NodeJS.ProcessEnv): EventContext {
  let payload: Record<string, any> = {}
  const path = env.GITHUB_EVENT_PATH
  if (path) {
    try {
      payload = JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new UserError(`The event payload ${path} (GITHUB_EVENT_PATH) could not be read as JSON: ${(error as Error).message}.`)
    }
  }
  return {
    eventName: env.GITHUB_EVENT_NAME ?? 'workflow_dispatch',
    payload,
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? payload.after ?? payload.pull_request?.head?.sha ?? '',
    runNumber: Number(env.GITHUB_RUN_NUMBER ?? '0') || 0,
    runId: env.GITHUB_RUN_ID ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? ''
  }
}

export function runUrl(ctx: EventContext): string | undefined {
  if (!ctx.repository || !ctx.runId) return undefined
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}`
}
