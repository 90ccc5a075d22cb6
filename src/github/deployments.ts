import type { EventContext } from '../context.js'
import { errorMessage } from '../errors.js'
import type { Inputs } from '../inputs.js'
import type { RunReport } from '../report.js'
import type { Workflow } from '../workflow.js'
import { isWebLink } from './preview-link.js'

interface NewDeployment {
  /** The commit deployed: GitHub shows the deployment on pull requests whose head it is. */
  ref: string
  environment: string
  /** Tells the apps of a monorepo apart inside one environment. */
  task: string
  description: string
  transient: boolean
  production: boolean
  payload: Record<string, string>
}

interface DeploymentStatus {
  state: 'success' | 'inactive'
  description: string
  environmentUrl?: string
  logUrl?: string
}

/** The few GitHub calls a deployment needs, so tests and main.ts can supply them. */
export interface DeploymentsApi {
  create(deployment: NewDeployment): Promise<{ id: number }>
  setStatus(deploymentId: number, status: DeploymentStatus): Promise<void>
  /** The environment's deployments of one task, newest first. */
  list(environment: string, task: string): Promise<{ id: number }[]>
  /** The state of a deployment's newest status, undefined when it has none. */
  latestState(deploymentId: number): Promise<string | undefined>
}

export type DeploymentsApiFactory = (token: string, repository: string, apiUrl: string) => DeploymentsApi

export type DeploymentResult =
  | { kind: 'created'; id: number; environment: string; inactivated: number }
  | { kind: 'inactivated'; environment: string; inactivated: number }
  | { kind: 'none'; reason: string }
  | { kind: 'failed'; reason: string }

/** GitHub keeps a description to 140 characters. */
const DESCRIPTION_MAX = 140

/** The environment a run deploys to: `live-update/pr-N` for a preview, `live-update/production` for a release. */
function environmentFor(report: RunReport, ctx: EventContext): { name: string; production: boolean } | undefined {
  const { target } = report
  if (target?.pullRequest) return { name: `live-update/pr-${target.pullRequest.number}`, production: false }
  const release = ctx.eventName === 'push' && ctx.ref.startsWith('refs/tags/')
  if (target?.kind === 'publish' && release) return { name: `live-update/${target.channel}`, production: target.channel === 'production' }
  return undefined
}

/** What a tester opens: the preview page when it is one, else the bundle, when a browser can reach it. */
function environmentUrl(report: RunReport): string | undefined {
  const preview = report.preview?.url
  if (preview && isWebLink(preview)) return preview
  const bundleUrl = report.outcome.kind === 'published' ? report.outcome.result.bundleUrl : undefined
  return bundleUrl && isWebLink(bundleUrl) ? bundleUrl : undefined
}

/** Marks the environment's earlier successful deployments of this app inactive: GitHub shows the newest as the live one. */
async function inactivateOthers(api: DeploymentsApi, environment: string, task: string, keep: number | undefined, description: string): Promise<number> {
  let count = 0
  for (const { id } of await api.list(environment, task)) {
    if (id === keep || (await api.latestState(id)) !== 'success') continue
    await api.setStatus(id, { state: 'inactive', description })
    count++
  }
  return count
}

function refused(error: unknown): boolean {
  const status = (error as { status?: number }).status
  return status === 403 || status === 401
}

/**
 * Records a preview or a release as a GitHub deployment, so it shows on the pull request
 * and on the Environments page; a closed pull request's preview becomes inactive. Never
 * throws: the publish stands whatever GitHub answers.
 */
export async function recordDeployment(
  report: RunReport,
  inputs: Inputs,
  ctx: EventContext,
  makeApi: DeploymentsApiFactory,
  workflow: Pick<Workflow, 'info' | 'notice' | 'warning'>
): Promise<DeploymentResult> {
  const environment = environmentFor(report, ctx)
  if (!environment) return { kind: 'none', reason: 'neither a pull request nor a release tag' }
  if (!inputs.githubToken || !ctx.repository) return { kind: 'none', reason: 'no github-token or GITHUB_REPOSITORY' }
  if (report.target?.pullRequest?.fromFork) return { kind: 'none', reason: 'a fork\'s pull request' }
  const { outcome, target } = report
  if (outcome.kind !== 'published' && outcome.kind !== 'removed') return { kind: 'none', reason: `nothing was published (${outcome.kind})` }
  const task = `deploy:live-update:${report.appId ?? 'app'}`
  try {
    const api = makeApi(inputs.githubToken, ctx.repository, ctx.apiUrl)
    if (outcome.kind === 'removed') {
      const inactivated = await inactivateOthers(api, environment.name, task, undefined, 'The preview was removed: its pull request was closed.')
      workflow.info(`Deployments: ${inactivated} deployment(s) of ${environment.name} marked inactive.`)
      return { kind: 'inactivated', environment: environment.name, inactivated }
    }
    const { pointer } = outcome.result
    const description = `${report.appId} ${pointer.version} on channel ${pointer.channel}`.slice(0, DESCRIPTION_MAX)
    const { id } = await api.create({
      ref: target!.commit,
      environment: environment.name,
      task,
      description,
      transient: !environment.production && Boolean(target?.pullRequest),
      production: environment.production,
      payload: { appId: report.appId ?? '', channel: pointer.channel, version: pointer.version, checksum: pointer.checksum }
    })
    await api.setStatus(id, { state: 'success', description, environmentUrl: environmentUrl(report), logUrl: report.runUrl })
    const inactivated = await inactivateOthers(api, environment.name, task, id, `Replaced by ${pointer.version}.`.slice(0, DESCRIPTION_MAX))
    workflow.info(`Deployments: deployment ${id} to ${environment.name} is live${inactivated ? `; ${inactivated} earlier one(s) marked inactive` : ''}.`)
    return { kind: 'created', id, environment: environment.name, inactivated }
  } catch (error) {
    if (refused(error)) {
      const reason = `GitHub refused to record the deployment to ${environment.name} (HTTP ${(error as { status: number }).status}): give the workflow \`permissions: deployments: write\` to see it on the pull request and the Environments page; the publish is not affected.`
      workflow.notice(reason)
      return { kind: 'failed', reason }
    }
    const reason = `The deployment to ${environment.name} could not be recorded (${errorMessage(error)}); the publish is not affected.`
    workflow.warning(reason)
    return { kind: 'failed', reason }
  }
}
