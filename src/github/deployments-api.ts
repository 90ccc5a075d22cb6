import { lazyOctokit } from './octokit.js'
import type { DeploymentsApi } from './deployments.js'

/** The deployments port over GitHub's REST API (GITHUB_API_URL is honoured for GHES and tests). */
export function githubDeploymentsApi(token: string, repository: string, apiUrl: string): DeploymentsApi {
  const octokit = lazyOctokit(token, apiUrl)
  const [owner, repo] = repository.split('/')
  return {
    async create(deployment) {
      const { data, status } = await (await octokit()).rest.repos.createDeployment({
        owner,
        repo,
        ref: deployment.ref,
        environment: deployment.environment,
        task: deployment.task,
        description: deployment.description,
        transient_environment: deployment.transient,
        production_environment: deployment.production,
        payload: deployment.payload,
        // The workflow running this step is itself a pending check of the commit: requiring
        // the commit's checks would refuse every deployment, and merging is not ours to do.
        required_contexts: [],
        auto_merge: false
      })
      if (status !== 201 || !('id' in data)) throw new Error(`GitHub did not create the deployment: ${'message' in data ? data.message : `HTTP ${status}`}`)
      return { id: data.id }
    },
    async setStatus(deploymentId, status) {
      await (await octokit()).rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: deploymentId,
        state: status.state,
        description: status.description,
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        ...(status.logUrl ? { log_url: status.logUrl } : {}),
        // Earlier deployments are made inactive by the action itself, for transient environments too.
        auto_inactive: false
      })
    },
    async list(environment, task) {
      const deployments = await (await octokit()).paginate((await octokit()).rest.repos.listDeployments, { owner, repo, environment, task, per_page: 100 })
      return deployments.map((d) => ({ id: d.id }))
    },
    async latestState(deploymentId) {
      const { data } = await (await octokit()).rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deploymentId, per_page: 1 })
      return data[0]?.state
    }
  }
}
