import type { RunReport } from '../report.js'
import { buildReportBody } from './summary.js'

export interface IssueComment {
  id: number
  body?: string
  user?: { login: string; type?: string } | null
}

/** The few GitHub calls a preview comment needs, so tests and main.ts can supply them. */
export interface CommentsApi {
  /** The login the token acts as, or undefined when the API does not say (an app token). */
  identity(): Promise<string | undefined>
  list(issueNumber: number): Promise<IssueComment[]>
  create(issueNumber: number, body: string): Promise<IssueComment>
  update(commentId: number, body: string): Promise<IssueComment>
  remove(commentId: number): Promise<void>
}

export type CommentResult =
  | { kind: 'created' | 'updated'; id: number; removedDuplicates: number }
  | { kind: 'disabled'; reason: string }
  | { kind: 'failed'; reason: string }

/** Hidden in the comment so later runs find it again: one comment per pull request and app. */
export function commentMarker(appId: string, workingDirectory: string): string {
  const safe = (text: string) => text.replace(/-->/g, '').replace(/[^\w./@-]/g, '_')
  return `<!-- live-update-action:${safe(appId)}:${safe(workingDirectory)} -->`
}

export function buildComment(report: RunReport, marker: string, now?: Date): string {
  return `${marker}\n${buildReportBody(report, now)}`
}

/** GITHUB_TOKEN acts as github-actions[bot], whose login GET /user does not give. */
const ACTIONS_BOT = 'github-actions[bot]'

function isOurs(comment: IssueComment, marker: string, identity: string | undefined): boolean {
  if (!comment.body?.startsWith(marker)) return false
  const login = comment.user?.login
  return identity ? login === identity : login === ACTIONS_BOT || comment.user?.type === 'Bot'
}

/**
 * Updates our comment in place, or creates it. Two runs of one pull request may both
 * create: after creating, the oldest of ours is kept and the others are deleted.
 */
export async function upsertComment(api: CommentsApi, issueNumber: number, marker: string, body: string): Promise<CommentResult> {
  const identity = await api.identity()
  const ours = (await api.list(issueNumber)).filter((c) => isOurs(c, marker, identity)).sort((a, b) => a.id - b.id)
  if (ours.length > 0) {
    const [keep, ...extra] = ours
    await api.update(keep.id, body)
    for (const duplicate of extra) await api.remove(duplicate.id)
    return { kind: 'updated', id: keep.id, removedDuplicates: extra.length }
  }
  const created = await api.create(issueNumber, body)
  const after = (await api.list(issueNumber)).filter((c) => isOurs(c, marker, identity)).sort((a, b) => a.id - b.id)
  const keep = after[0] ?? created
  const extra = after.slice(1)
  for (const duplicate of extra) await api.remove(duplicate.id)
  if (keep.id !== created.id) await api.update(keep.id, body)
  return { kind: keep.id === created.id ? 'created' : 'updated', id: keep.id, removedDuplicates: extra.length }
}
