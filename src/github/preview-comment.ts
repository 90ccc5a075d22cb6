import type { EventContext } from '../context.js'
import { errorMessage } from '../errors.js'
import type { Inputs } from '../inputs.js'
import type { RunReport } from '../report.js'
import type { Log } from '../workflow.js'
import { buildComment, commentMarker, upsertComment, type CommentResult, type CommentsApi } from './comment.js'

export type CommentsApiFactory = (token: string, repository: string, apiUrl: string) => CommentsApi

function status(error: unknown): number | undefined {
  return (error as { status?: number }).status
}

/**
 * Writes or updates the pull request's preview comment. Never throws: a comment that
 * cannot be written must not lose the publish, which is in the outputs and summary.
 */
export async function postPreviewComment(
  report: RunReport,
  inputs: Inputs,
  ctx: EventContext,
  makeApi: CommentsApiFactory,
  redactText: (text: string) => string,
  log: Log
): Promise<CommentResult> {
  const pullRequest = report.target?.pullRequest
  if (!pullRequest) return { kind: 'disabled', reason: 'not a pull request' }
  if (!inputs.comment) return { kind: 'disabled', reason: 'the comment input is false' }
  if (!inputs.githubToken) return { kind: 'disabled', reason: 'no github-token' }
  if (!ctx.repository) return { kind: 'disabled', reason: 'GITHUB_REPOSITORY is not set' }
  const marker = commentMarker(report.appId ?? 'app', inputs.workingDirectory)
  try {
    const api = makeApi(inputs.githubToken, ctx.repository, ctx.apiUrl)
    const result = await upsertComment(api, pullRequest.number, marker, redactText(buildComment(report, marker)))
    if (result.kind === 'created' || result.kind === 'updated') {
      log.info(`Comment ${result.id} on pull request #${pullRequest.number} ${result.kind}${result.removedDuplicates ? `, ${result.removedDuplicates} duplicate(s) removed` : ''}.`)
    }
    return result
  } catch (error) {
    const reason = status(error) === 403 || status(error) === 401
      ? `GitHub refused to write the pull request comment (HTTP ${status(error)}): give the workflow \`permissions: pull-requests: write\` (a fork's pull_request token is read-only); the publish itself is in the outputs and the job summary.`
      : `The pull request comment could not be written (${redactText(errorMessage(error))}); the publish itself is in the outputs and the job summary.`
    log.warning(reason)
    return { kind: 'failed', reason }
  }
}
