import type { getOctokit } from '@actions/github'

type Octokit = ReturnType<typeof getOctokit>

/**
 * The GitHub client, loaded on first use: loading it was most of the action's start-up, and
 * many runs (a fork's pack, a closed preview without a comment) never call GitHub.
 */
export function lazyOctokit(token: string, apiUrl: string): () => Promise<Octokit> {
  let client: Promise<Octokit> | undefined
  return () => (client ??= import('@actions/github').then((github) => github.getOctokit(token, { baseUrl: apiUrl })))
}
