import { lazyOctokit } from './octokit.js'
import type { CommentsApi, IssueComment } from './comment.js'

/** The comments port over GitHub's REST API (GITHUB_API_URL is honoured for GHES and tests). */
export function githubCommentsApi(token: string, repository: string, apiUrl: string): CommentsApi {
  const octokit = lazyOctokit(token, apiUrl)
  const [owner, repo] = repository.split('/')
  const pick = (c: { id: number; body?: string | null; user?: { login: string; type?: string } | null }): IssueComment =>
    ({ id: c.id, body: c.body ?? undefined, user: c.user })
  return {
    async identity() {
      try {
        return (await (await octokit()).rest.users.getAuthenticated()).data.login
      } catch {
        // An installation token (GITHUB_TOKEN) may not read /user: its comments are github-actions[bot]'s.
        return undefined
      }
    },
    async list(issueNumber) {
      const comments = await (await octokit()).paginate((await octokit()).rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })
      return comments.map(pick)
    },
    async create(issueNumber, body) {
      return pick((await (await octokit()).rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })).data)
    },
    async update(commentId, body) {
      return pick((await (await octokit()).rest.issues.updateComment({ owner, repo, comment_id: commentId, body })).data)
    },
    async remove(commentId) {
      try {
        await (await octokit()).rest.issues.deleteComment({ owner, repo, comment_id: commentId })
      } catch (error) {
        // A run racing this one may have deleted the same duplicate first.
        if ((error as { status?: number }).status !== 404) throw error
      }
    }
  }
}
