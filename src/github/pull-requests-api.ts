import { lazyOctokit } from './octokit.js'

/** What publish-packed learns of a pull request from GitHub (never from the artifact). */
export interface PullRequestRecord {
  number: number
  state: 'open' | 'closed'
  headSha: string
  /** owner/name of the head repository; undefined when the fork was deleted. */
  headRepository?: string
  baseSha: string
  baseRef: string
  labels: string[]
}

interface PullRequestsApi {
  /** Pull requests of this repository, open or closed, whose head is `owner:branch`. */
  listByHead(headOwner: string, headBranch: string): Promise<PullRequestRecord[]>
  /** One pull request by number; a refusal (403, 404) rejects with PullRequestRefused. */
  get(number: number): Promise<PullRequestRecord>
}

/** GitHub would not show a pull request to this token: the repository or the pull request is out of its reach. */
export class PullRequestRefused extends Error {
  constructor(readonly number: number, readonly status: number) {
    super(`GitHub answered ${status} to reading pull request #${number}`)
  }
}

type PullRequestJson = {
  number: number; state: string; labels: { name?: string }[]
  head: { sha: string; repo: { full_name: string } | null }; base: { sha: string; ref: string }
}

function recordOf(pull: PullRequestJson): PullRequestRecord {
  return {
    number: pull.number,
    state: pull.state === 'closed' ? 'closed' : 'open',
    headSha: pull.head.sha,
    headRepository: pull.head.repo?.full_name,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    labels: pull.labels.map((label) => label.name ?? '')
  }
}

export type PullRequestsApiFactory = (token: string, repository: string, apiUrl: string) => PullRequestsApi

/** The pull-requests port over GitHub's REST API (GITHUB_API_URL is honoured for GHES and tests). */
export function githubPullRequestsApi(token: string, repository: string, apiUrl: string): PullRequestsApi {
  const octokit = lazyOctokit(token, apiUrl)
  const [owner, repo] = repository.split('/')
  return {
    async listByHead(headOwner, headBranch) {
      const client = await octokit()
      const pulls = await client.paginate(client.rest.pulls.list, { owner, repo, state: 'all', head: `${headOwner}:${headBranch}`, per_page: 100 })
      return pulls.map(recordOf)
    },
    async get(number) {
      try {
        return recordOf((await (await octokit()).rest.pulls.get({ owner, repo, pull_number: number })).data)
      } catch (error) {
        const status = (error as { status?: number }).status
        if (status === 403 || status === 404) throw new PullRequestRefused(number, status)
        throw error
      }
    }
  }
}
