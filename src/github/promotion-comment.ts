import { errorMessage } from '../errors.js'
import type { ModeContext } from '../modes/types.js'
import type { Manifest } from '../registry/types.js'
import type { ChannelMove } from '../report.js'
import { previewPullRequest } from '../target.js'
import { code } from './markdown.js'

/**
 * Tells the pull request whose preview was promoted where its bundle went. Never throws:
 * the promote is done, and is in the outputs and the summary.
 */
export async function commentOnPromotedPullRequest(mode: ModeContext, source: Pick<Manifest, 'channel' | 'version'>, move: ChannelMove): Promise<void> {
  const { inputs, ctx, services } = mode
  const number = previewPullRequest(source.channel)
  if (!number || move.unchanged || !inputs.comment || !inputs.githubToken || !ctx.repository) return
  const { after } = move
  const share = after.rollout ? `, for ${after.rollout.percent} % of its devices to begin with` : ''
  const body = `🚀 The live update of this pull request, ${code(source.version)}, was promoted to ${code(move.channel)} as ${code(after.version)}${share}.${mode.report.runUrl ? ` [Workflow run](${mode.report.runUrl})` : ''}\n`
  try {
    const comment = await services.commentsApi(inputs.githubToken, ctx.repository, ctx.apiUrl).create(number, body)
    services.workflow.info(`Comment ${comment.id} on pull request #${number}: promoted to ${move.channel}.`)
  } catch (error) {
    services.workflow.warning(`The promote could not be told on pull request #${number} (${errorMessage(error)}); it is in the outputs and the job summary.`)
  }
}
