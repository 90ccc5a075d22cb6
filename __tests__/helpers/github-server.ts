import AjvModule, { type ValidateFunction } from 'ajv'
import standaloneModule from 'ajv/dist/standalone/index.js'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { testCacheDir, writeWhole } from './test-cache.js'

const require = createRequire(import.meta.url)

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: any; responses: Record<string, any> }>>
  components: Record<string, Record<string, unknown>>
}

/** GitHub's whole description (13 MB): read only for a schema the cache does not hold yet. */
let fullSpec: OpenApi | undefined
const openApi = () => (fullSpec ??= require('@octokit/openapi/generated/api.github.com.json') as OpenApi)

/** The components a part of the description references, and those they reference in turn. */
function referencedComponents(part: unknown): OpenApi['components'] {
  const components: OpenApi['components'] = {}
  const pending = [part]
  while (pending.length > 0) {
    const value = pending.pop()
    if (Array.isArray(value)) pending.push(...value)
    else if (value && typeof value === 'object') {
      const ref = (value as { $ref?: unknown }).$ref
      const [section, name] = typeof ref === 'string' && ref.startsWith('#/components/') ? ref.slice('#/components/'.length).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')) : []
      if (section !== undefined && name !== undefined && !components[section]?.[name]) {
        const component = openApi().components[section]?.[name]
        ;(components[section] ??= {})[name] = component
        pending.push(component)
      }
      pending.push(...Object.values(value))
    }
  }
  return components
}

/** What the description says of one response or request body: a schema with the components it needs, or why there is none. */
type Described = { schema: unknown; components: OpenApi['components'] } | { none: 'no operation' | 'undocumented denial' | 'no body' }

function describeResponse(method: string, pathTemplate: string, status: number): Described {
  const spec = openApi()
  const operation = spec.paths[pathTemplate]?.[method.toLowerCase()]
  let response = operation?.responses[String(status)]
  // Shared responses (403, 404) are references into components.responses.
  if (response?.$ref) response = spec.components.responses[response.$ref.split('/').pop()]
  // GitHub answers 404 on a documented operation for a comment another run just deleted, and 403
  // "Resource not accessible by integration" on any operation a token's permissions do not
  // cover, though the description lists neither there; a path GitHub does not have still fails.
  if (!response && operation && (status === 404 || status === 403)) return { none: 'undocumented denial' }
  if (!response) return { none: 'no operation' }
  const schema = response.content?.['application/json']?.schema
  return schema ? { schema, components: referencedComponents(schema) } : { none: 'no body' }
}

function describeRequest(method: string, pathTemplate: string): Described {
  const schema = openApi().paths[pathTemplate]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema
  return schema ? { schema, components: referencedComponents(schema) } : { none: 'no operation' }
}

const cacheDir = join(testCacheDir, 'live-update-action', `github-openapi-${require('@octokit/openapi/package.json').version}`)

const cacheFile = (key: string, suffix: string) => join(cacheDir, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}${suffix}`)

/**
 * What the description says for a key, kept in node_modules/.cache per version of
 * @octokit/openapi: reading the whole description and adding it to Ajv took half a
 * second in each test file that starts the fake GitHub.
 */
function described(key: string, describe: () => Described): Described {
  const file = cacheFile(key, '.json')
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'))
  const answer = describe()
  writeWhole(file, JSON.stringify(answer))
  return answer
}

const Ajv = AjvModule.default ?? AjvModule
const standaloneCode = standaloneModule.default
const ajvVersion: string = require('ajv/package.json').version
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true, code: { source: true } })
let compiledSchemas = 0

/**
 * A validator of a schema whose references point into the components that come with it,
 * kept as Ajv's standalone code beside the description's answer (per Ajv version):
 * compiling the schemas again took a fifth of a second in each test file.
 */
function validatorFor(key: string, { schema, components }: { schema: unknown; components: OpenApi['components'] }): ValidateFunction {
  const file = cacheFile(key, `.ajv-${ajvVersion}.cjs`)
  if (existsSync(file)) return require(file) as ValidateFunction
  const id = `github-${++compiledSchemas}`
  ajv.addSchema({ components }, id)
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${id}#/components/`)))
  writeWhole(file, standaloneCode(ajv, validate))
  return validate
}

const describedResponse = (method: string, pathTemplate: string, status: number) =>
  described(`response ${method} ${pathTemplate} ${status}`, () => describeResponse(method, pathTemplate, status))

const validators = new Map<string, ValidateFunction | undefined>()

/** Checks a body against GitHub's OpenAPI description of that operation's response. */
function checkAgainstOpenApi(method: string, pathTemplate: string, status: number, body: unknown): void {
  const key = `${method} ${pathTemplate} ${status}`
  if (!validators.has(key)) {
    const answer = describedResponse(method, pathTemplate, status)
    if ('schema' in answer) validators.set(key, validatorFor(`response ${key}`, answer))
    else if (answer.none === 'no operation') throw new Error(`GitHub's OpenAPI description has no ${key}`)
    else if (answer.none === 'no body' && body !== undefined) throw new Error(`${key} has no body in GitHub's OpenAPI description`)
    else return
  }
  const validate = validators.get(key)!
  if (!validate(body)) throw new Error(`${key}: response does not match GitHub's OpenAPI description: ${ajv.errorsText(validate.errors)}`)
}

const requestValidators = new Map<string, ValidateFunction>()

/** Checks a request body against GitHub's OpenAPI description of that operation's request. */
function checkRequestAgainstOpenApi(method: string, pathTemplate: string, body: unknown): void {
  const key = `${method} ${pathTemplate}`
  let validate = requestValidators.get(key)
  if (!validate) {
    const answer = described(`request ${key}`, () => describeRequest(method, pathTemplate))
    if (!('schema' in answer)) throw new Error(`GitHub's OpenAPI description has no request body for ${key}`)
    validate = validatorFor(`request ${key}`, answer)
    requestValidators.set(key, validate)
  }
  if (!validate(body)) throw new Error(`${key}: request does not match GitHub's OpenAPI description: ${ajv.errorsText(validate.errors)}`)
}

interface StoredDeploymentStatus {
  id: number
  state: string
  description: string
  environment_url: string
  log_url: string
}

interface StoredDeployment {
  id: number
  ref: string
  task: string
  environment: string
  description: string
  payload: Record<string, unknown> | string
  transient_environment: boolean
  production_environment: boolean
  /** Oldest first. */
  statuses: StoredDeploymentStatus[]
}

interface StoredComment {
  id: number
  body: string
  login: string
  type: 'User' | 'Bot'
  issue: number
}

/** A pull request of Codertocat/Hello-World, as publish-packed asks GitHub about it. */
interface StoredPullRequest {
  number: number
  state: 'open' | 'closed'
  title: string
  headSha: string
  headRef: string
  /** The login owning the head repository (a fork's owner). */
  headOwner: string
  labels: string[]
}

export interface FakeGitHub {
  url: string
  comments: StoredComment[]
  pullRequests: StoredPullRequest[]
  requests: { method: string; path: string }[]
  /** Answer 403 to every comment write (a read-only token). */
  denyComments: boolean
  deployments: StoredDeployment[]
  /** Answer 403 to every deployment write (a token without deployments: write). */
  denyDeployments: boolean
  /** Answer 403 to reading a pull request (a token without pull-requests: read). */
  denyPullRequests: boolean
  /** Hold each comment creation until this many have arrived: two racing runs both list none, then both create. */
  holdCreatesUntil: number
  /** Requests or responses that failed the OpenAPI check: must stay empty. */
  invalid: string[]
  /** Back to an empty repository with every fault off, for the next test. */
  reset(): void
  addComment(issue: number, body: string, login?: string, type?: 'User' | 'Bot'): StoredComment
  close(): Promise<void>
}

const OWNER = 'Codertocat'
const REPO = 'Hello-World'

function user(login: string, type: 'User' | 'Bot', id: number) {
  const base = `https://api.github.com/users/${encodeURIComponent(login)}`
  return {
    login, id, node_id: `U_${id}`, avatar_url: 'https://avatars.githubusercontent.com/u/1', gravatar_id: '', url: base,
    html_url: `https://github.com/${login}`, followers_url: `${base}/followers`, following_url: `${base}/following{/other_user}`,
    gists_url: `${base}/gists{/gist_id}`, starred_url: `${base}/starred{/owner}{/repo}`, subscriptions_url: `${base}/subscriptions`,
    organizations_url: `${base}/orgs`, repos_url: `${base}/repos`, events_url: `${base}/events{/privacy}`,
    received_events_url: `${base}/received_events`, type, site_admin: false
  }
}

function commentJson(comment: StoredComment) {
  const api = `https://api.github.com/repos/${OWNER}/${REPO}`
  return {
    id: comment.id, node_id: `IC_${comment.id}`, url: `${api}/issues/comments/${comment.id}`, body: comment.body,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${comment.issue}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${comment.issue}`, user: user(comment.login, comment.type, comment.type === 'Bot' ? 41898282 : 21031067),
    created_at: '2026-11-22T10:00:00Z', updated_at: '2026-11-22T10:00:00Z', author_association: comment.type === 'Bot' ? 'NONE' : 'OWNER',
    performed_via_github_app: null
  }
}

const BOT = () => user('github-actions[bot]', 'Bot', 41898282)

function deploymentJson(d: StoredDeployment) {
  const api = `https://api.github.com/repos/${OWNER}/${REPO}`
  return {
    url: `${api}/deployments/${d.id}`, id: d.id, node_id: `DE_${d.id}`, sha: d.ref, ref: d.ref, task: d.task, payload: d.payload,
    original_environment: d.environment, environment: d.environment, description: d.description, creator: BOT(),
    created_at: '2026-11-22T10:00:00Z', updated_at: '2026-11-22T10:00:00Z', statuses_url: `${api}/deployments/${d.id}/statuses`,
    repository_url: api, transient_environment: d.transient_environment, production_environment: d.production_environment
  }
}

function statusJson(d: StoredDeployment, s: StoredDeploymentStatus) {
  const api = `https://api.github.com/repos/${OWNER}/${REPO}`
  return {
    url: `${api}/deployments/${d.id}/statuses/${s.id}`, id: s.id, node_id: `DES_${s.id}`, state: s.state, creator: BOT(),
    description: s.description, environment: d.environment, target_url: s.log_url, log_url: s.log_url, environment_url: s.environment_url,
    created_at: '2026-11-22T10:00:00Z', updated_at: '2026-11-22T10:00:00Z', deployment_url: `${api}/deployments/${d.id}`, repository_url: api
  }
}

const pullRequestExample = (() => {
  const events = require('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, any>[] }[]
  return events.find((e) => e.name === 'pull_request')!.examples.find((e) => e.action === 'opened')!.pull_request
})()
/** The fields of GitHub's pull-request-simple: the items of the pull request list. */
let simpleFields: string[] | undefined
function pullRequestSimpleFields(): string[] {
  if (simpleFields) return simpleFields
  const list = describedResponse('GET', '/repos/{owner}/{repo}/pulls', 200) as { components: OpenApi['components'] }
  return (simpleFields = Object.keys((list.components.schemas['pull-request-simple'] as { properties: object }).properties))
}

/** A pull-request-simple of GitHub's description, made from @octokit/webhooks-examples' pull request. */
function pullJson(pr: StoredPullRequest) {
  const json: Record<string, any> = structuredClone(pullRequestExample)
  for (const key of Object.keys(json)) if (!pullRequestSimpleFields().includes(key)) delete json[key]
  const headRepo = { ...json.head.repo, full_name: `${pr.headOwner}/${REPO}`, owner: { ...json.head.repo.owner, login: pr.headOwner }, fork: pr.headOwner !== OWNER }
  return {
    ...json,
    number: pr.number,
    state: pr.state,
    title: pr.title,
    closed_at: pr.state === 'closed' ? '2026-11-22T11:00:00Z' : null,
    auto_merge: null,
    head: { ...json.head, sha: pr.headSha, ref: pr.headRef, label: `${pr.headOwner}:${pr.headRef}`, repo: headRepo },
    labels: pr.labels.map((name, i) => ({ id: 100 + i, node_id: `LA_${i}`, url: `https://api.github.com/repos/${OWNER}/${REPO}/labels/${encodeURIComponent(name)}`, name, description: '', color: 'ededed', default: false }))
  }
}

/** A pull-request of GitHub's description (GET .../pulls/{pull_number}): the webhook example's full pull request. */
function fullPullJson(pr: StoredPullRequest) {
  const simple = pullJson(pr)
  return { ...structuredClone(pullRequestExample), ...simple, merged: false, merged_at: null }
}

/** One page of a list, with GitHub's Link header when more pages follow (other query parameters kept). */
function pageOf<T>(url: URL, all: T[], defaultPerPage: number): { items: T[]; headers: Record<string, string> } {
  const perPage = Number(url.searchParams.get('per_page') ?? defaultPerPage)
  const page = Number(url.searchParams.get('page') ?? 1)
  const pages = Math.max(1, Math.ceil(all.length / perPage))
  const at = (n: number) => {
    const next = new URL(url)
    next.searchParams.set('per_page', String(perPage))
    next.searchParams.set('page', String(n))
    return next.href
  }
  const headers: Record<string, string> = page < pages ? { link: `<${at(page + 1)}>; rel="next", <${at(pages)}>; rel="last"` } : {}
  return { items: all.slice((page - 1) * perPage, page * perPage), headers }
}

async function readBody(request: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined
}

/** A GitHub REST API of the tests' own on 127.0.0.1: issue comments and /user, with GitHub's response shapes. */
export async function startFakeGitHub(): Promise<FakeGitHub> {
  let nextId = 1000
  const fresh = () => ({
    comments: [],
    pullRequests: [],
    requests: [],
    denyComments: false,
    deployments: [],
    denyDeployments: false,
    denyPullRequests: false,
    holdCreatesUntil: 0,
    invalid: []
  })
  const fake: FakeGitHub = {
    url: '',
    ...fresh(),
    reset() {
      Object.assign(fake, fresh())
    },
    addComment(issue, body, login = 'someone', type = 'User') {
      const comment = { id: nextId++, body, login, type, issue }
      fake.comments.push(comment)
      return comment
    },
    close: () => new Promise((done) => server.close(() => done()))
  }

  function send(response: ServerResponse, method: string, template: string, status: number, body?: unknown, headers: Record<string, string> = {}) {
    try {
      checkAgainstOpenApi(method, template, status, body)
    } catch (error) {
      fake.invalid.push((error as Error).message)
    }
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    response.end(body === undefined ? undefined : JSON.stringify(body))
  }

  const heldCreates: (() => void)[] = []
  const holdCreate = () =>
    new Promise<void>((release) => {
      heldCreates.push(release)
      if (heldCreates.length >= fake.holdCreatesUntil) for (const held of heldCreates.splice(0)) held()
    })

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', fake.url)
    const method = request.method ?? 'GET'
    fake.requests.push({ method, path: url.pathname })
    const denied = { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' }
    if (method === 'GET' && url.pathname === '/user') {
      // GITHUB_TOKEN is an installation token: /user is not open to it.
      return send(response, method, '/user', 403, denied)
    }
    if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/pulls$/.test(url.pathname)) {
      // GitHub's filters: state (open by default, or closed, all) and head as `owner:branch`.
      const state = url.searchParams.get('state') ?? 'open'
      const head = url.searchParams.get('head')
      const found = fake.pullRequests.filter((pr) => (state === 'all' || pr.state === state) && (!head || `${pr.headOwner}:${pr.headRef}` === head))
      const { items, headers } = pageOf(url, found, 30)
      return send(response, method, '/repos/{owner}/{repo}/pulls', 200, items.map(pullJson), headers)
    }
    const pull = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)$/.exec(url.pathname)
    if (method === 'GET' && pull) {
      const template = '/repos/{owner}/{repo}/pulls/{pull_number}'
      if (fake.denyPullRequests) return send(response, method, template, 403, denied)
      const found = fake.pullRequests.find((pr) => pr.number === Number(pull[1]))
      if (!found) return send(response, method, template, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request', status: '404' })
      return send(response, method, template, 200, fullPullJson(found))
    }
    let match = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname)
    const listTemplate = '/repos/{owner}/{repo}/issues/{issue_number}/comments'
    if (match && fake.denyComments && method !== 'GET') return send(response, method, listTemplate, 403, denied)
    if (match && method === 'GET') {
      const issue = Number(match[1])
      const { items, headers } = pageOf(url, fake.comments.filter((c) => c.issue === issue), 30)
      return send(response, method, listTemplate, 200, items.map(commentJson), headers)
    }
    if (match && method === 'POST') {
      const { body } = await readBody(request)
      // GITHUB_TOKEN's comments are github-actions[bot]'s.
      if (fake.holdCreatesUntil) await holdCreate()
      const comment = fake.addComment(Number(match[1]), body, 'github-actions[bot]', 'Bot')
      return send(response, method, listTemplate, 201, commentJson(comment))
    }
    match = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname)
    const itemTemplate = '/repos/{owner}/{repo}/issues/comments/{comment_id}'
    if (match && fake.denyComments) return send(response, method, itemTemplate, 403, denied)
    const comment = match ? fake.comments.find((c) => c.id === Number(match![1])) : undefined
    if (match && !comment) return send(response, method, itemTemplate, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })
    if (comment && method === 'PATCH') {
      comment.body = (await readBody(request)).body
      return send(response, method, itemTemplate, 200, commentJson(comment))
    }
    if (comment && method === 'DELETE') {
      fake.comments = fake.comments.filter((c) => c !== comment)
      return send(response, method, itemTemplate, 204)
    }
    if (await handleDeployments(url, method, request, response)) return
    response.writeHead(404, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ message: 'Not Found' }))
  }

  /** Reads a request body and checks it against the operation's description; a bad one is recorded. */
  async function checkedBody(request: IncomingMessage, method: string, template: string): Promise<any> {
    const body = await readBody(request)
    try {
      checkRequestAgainstOpenApi(method, template, body)
    } catch (error) {
      fake.invalid.push((error as Error).message)
    }
    return body
  }

  /** Deployments and their statuses, as GitHub keeps them: newest first in lists. */
  async function handleDeployments(url: URL, method: string, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const denied = { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' }
    const listTemplate = '/repos/{owner}/{repo}/deployments'
    const statusesTemplate = '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses'
    if (/^\/repos\/[^/]+\/[^/]+\/deployments$/.test(url.pathname)) {
      if (method === 'GET') {
        const { environment, task } = Object.fromEntries(url.searchParams)
        const found = fake.deployments.filter((d) => (!environment || d.environment === environment) && (!task || d.task === task)).reverse()
        send(response, method, listTemplate, 200, found.map(deploymentJson))
        return true
      }
      if (fake.denyDeployments) return send(response, method, listTemplate, 403, denied), true
      const body = await checkedBody(request, method, listTemplate)
      const deployment: StoredDeployment = {
        id: nextId++, ref: body.ref, task: body.task ?? 'deploy', environment: body.environment ?? 'production', description: body.description ?? '',
        payload: body.payload ?? '', transient_environment: Boolean(body.transient_environment),
        production_environment: body.production_environment ?? (body.environment ?? 'production') === 'production', statuses: []
      }
      fake.deployments.push(deployment)
      send(response, method, listTemplate, 201, deploymentJson(deployment))
      return true
    }
    const match = /^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/.exec(url.pathname)
    if (!match) return false
    const deployment = fake.deployments.find((d) => d.id === Number(match[1]))
    if (!deployment) return send(response, method, statusesTemplate, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }), true
    if (method === 'GET') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30)
      send(response, method, statusesTemplate, 200, [...deployment.statuses].reverse().slice(0, perPage).map((s) => statusJson(deployment, s)))
      return true
    }
    if (fake.denyDeployments) return send(response, method, statusesTemplate, 403, denied), true
    const body = await checkedBody(request, method, statusesTemplate)
    const status = { id: nextId++, state: body.state, description: body.description ?? '', environment_url: body.environment_url ?? '', log_url: body.log_url ?? '' }
    deployment.statuses.push(status)
    send(response, method, statusesTemplate, 201, statusJson(deployment, status))
    return true
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      response.writeHead(500)
      response.end(String(error))
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return fake
}
