import { UserError } from '../errors.js'
import { PullRequestRefused, type PullRequestRecord } from '../github/pull-requests-api.js'
import { openAppBackend } from '../pipeline.js'
import type { Backend } from '../registry/types.js'
import type { PreviewFate } from '../report.js'
import { previewPullRequest } from '../target.js'
import type { ModeContext, ModeRun } from './types.js'

const DAY_MS = 24 * 60 * 60 * 1000

/** The preview channels of an app, with their pull request and age, and every other channel. */
interface ChannelList {
  previews: { channel: string; pullRequest: number; ageDays?: number }[]
  others: string[]
}

/** The app's channel names, and whether the backend tells when each was published (a pointer's publishedAt). */
async function channelNames(backend: Backend, appId: string): Promise<{ names: string[]; agesKnown: boolean }> {
  if (backend.hostedChannels) return { names: (await backend.hostedChannels.list(appId)).map((channel) => channel.name), agesKnown: false }
  if (!backend.listChannels) throw new UserError(`Mode prune cannot list the channels of the ${backend.name} backend: use backend folder, s3 or capgo.`)
  return { names: await backend.listChannels(appId), agesKnown: true }
}

async function listChannels(backend: Backend, appId: string, now: number): Promise<ChannelList & { agesKnown: boolean }> {
  const { names, agesKnown } = await channelNames(backend, appId)
  const found: ChannelList & { agesKnown: boolean } = { previews: [], others: [], agesKnown }
  for (const channel of names) {
    const pullRequest = previewPullRequest(channel)
    if (pullRequest === undefined) {
      found.others.push(channel)
      continue
    }
    const publishedAt = agesKnown ? Date.parse((await backend.readPointer(appId, channel))?.publishedAt ?? '') : NaN
    found.previews.push({ channel, pullRequest, ageDays: Number.isNaN(publishedAt) ? undefined : (now - publishedAt) / DAY_MS })
  }
  return found
}

/** Every preview's pull request, asked of GitHub before anything is removed: a refusal leaves the registry untouched. */
async function askGitHub(mode: ModeContext, numbers: number[]): Promise<Map<number, PullRequestRecord>> {
  const { inputs, ctx, services } = mode
  if (!inputs.githubToken) throw new UserError('Mode prune asks GitHub whether each preview\'s pull request is closed, and has no token: set github-token (the default, github.token, is enough with permissions pull-requests: read).')
  const api = services.pullRequestsApi(inputs.githubToken, ctx.repository, ctx.apiUrl)
  const found = new Map<number, PullRequestRecord>()
  for (const number of numbers) {
    try {
      found.set(number, await api.get(number))
    } catch (error) {
      if (!(error instanceof PullRequestRefused)) throw error
      throw new UserError(`GitHub refused to show pull request #${number} of ${ctx.repository} (${error.status}) to the github-token, so no preview was removed: give the job permissions pull-requests: read, or set github-token to a token that can read this repository's pull requests.`)
    }
  }
  return found
}

function decide(preview: ChannelList['previews'][number], pullRequest: PullRequestRecord, ttlDays: number | undefined): 'closed' | 'expired' | undefined {
  if (pullRequest.state === 'closed') return 'closed'
  if (ttlDays !== undefined && preview.ageDays !== undefined && preview.ageDays > ttlDays) return 'expired'
  return undefined
}

const days = (age: number | undefined) => (age === undefined ? 'age unknown' : `${age.toFixed(1)} days old`)

/**
 * mode: prune, on a schedule: removes the preview channels (pr-N) whose pull request GitHub
 * says is closed, or that are older than preview-ttl-days, with their bundles. The closed
 * run of a pull request may have been missed or failed; this catches up. Other channels are
 * listed and never touched. Capgo's CLI does not tell a channel's age: there, only closed
 * pull requests' previews go.
 */
export const pruneMode: ModeRun = async (mode) => {
  const { inputs, ctx, services, stages, report } = mode
  if (ctx.eventName !== 'schedule' && ctx.eventName !== 'workflow_dispatch') {
    throw new UserError(`Mode prune runs on a schedule or workflow_dispatch, and this is a ${ctx.eventName} run: trigger the prune workflow with on: schedule (README: Expire previews).`)
  }
  const ttlDays = inputs.previewTtlDays
  const opened = await openAppBackend(inputs, services, report)
  if ('kind' in opened) return opened
  const { backend, appId } = opened
  const now = Date.now()
  const channels = await stages.run('Channels', () => listChannels(backend, appId, now), (list) =>
    `${list.previews.length} preview channel(s)${list.previews.length ? ` (${list.previews.map((p) => p.channel).join(', ')})` : ''}; ${list.others.length} other channel(s), never touched${list.others.length ? ` (${list.others.join(', ')})` : ''}${list.agesKnown || ttlDays === undefined ? '' : `; ${backend.location} does not tell when a channel was published, so preview-ttl-days does not apply`}`)
  const pullRequests = await stages.run('Pull requests', () => askGitHub(mode, channels.previews.map((p) => p.pullRequest)), (found) =>
    [...found.values()].map((pr) => `#${pr.number} ${pr.state}`).join(', ') || 'no preview to ask about')

  const previews: PreviewFate[] = []
  await stages.run('Prune', async () => {
    for (const preview of channels.previews) {
      const why = decide(preview, pullRequests.get(preview.pullRequest)!, ttlDays)
      if (!why) {
        services.workflow.info(`${preview.channel}: kept, pull request #${preview.pullRequest} is open (${days(preview.ageDays)})`)
        previews.push({ kind: 'kept', ...preview })
        continue
      }
      const removal = await backend.removeChannel(appId, preview.channel)
      services.workflow.info(`${preview.channel}: removed with ${removal.removedVersions.length} bundle(s) (${removal.removedVersions.join(', ') || 'none'}), ${why === 'closed' ? `pull request #${preview.pullRequest} is closed` : `${days(preview.ageDays)}, over preview-ttl-days ${ttlDays}`}`)
      previews.push({ kind: 'removed', ...preview, why, removal })
    }
    return previews
  }, (fates) => `removed ${fates.filter((f) => f.kind === 'removed').length}, kept ${fates.filter((f) => f.kind === 'kept').length}`)
  return { kind: 'pruned', previews, ttlDays, otherChannels: channels.others, ...(channels.agesKnown ? {} : { agesUnknown: true }) }
}
