import { lazyOctokit } from './octokit.js'

/** What publish-packed learns of a pull request from GitHub (never from the artifact). */
export interface PullRequestRecord {
  number: number
  state: 'open' | 'closed'
  title: string
  headSha: string
  headRef: string
  /** owner/name of the head repository; undefined when the fork was deleted. */
  headRepository?: string
  baseSha: string
  baseRef: string
  labels: string[]
}

interface PullRequestsApi {
  /** Pull requests of this repository, open or closed, whose head is `owner:branch`. */
  listByHead(headOwner: string, headBranch: string): Promise<PullRequestRecord[]>
}

export type PullRequestsApiFactory = (token: string, repository: string, apiUrl: string) => PullRequestsApi

/** The pull-requests port over GitHub's REST API (GITHUB_API_URL is honoured for GHES and tests). */
export function githubPullRequestsApi(token: string, repository: string, apiUrl: string): PullRequestsApi {
  const octokit = lazyOctokit(token, apiUrl)
  const [owner, repo] = repository.split('/')
  return {
    async listByHead(headOwner, headBranch) {
      const pulls = await (await octokit()).paginate((await octokit()).rest.pulls.list, { owner, repo, state: 'all', head: `${headOwner}:${headBranch}`, per_page: 100 })
      return pulls.map((pull) => ({
        number: pull.number,
        state: pull.state === 'closed' ? 'closed' : 'open',
        title: pull.title,
        headSha: pull.head.sha,
        headRef: pull.head.ref,
        headRepository: pull.head.repo?.full_name,
        baseSha: pull.base.sha,
        baseRef: pull.base.ref,
        labels: pull.labels.map((label) => label.name)
      }))
    }
  }
}
