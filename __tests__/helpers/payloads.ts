import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const events = require('@octokit/webhooks-examples/api.github.com/index.json') as {
  name: string
  examples: Record<string, any>[]
}[]

/** A real webhook payload from @octokit/webhooks-examples, deep-copied so tests can edit it. */
export function examplePayload(event: string, predicate: (example: Record<string, any>) => boolean = () => true): Record<string, any> {
  const found = events.find((entry) => entry.name === event)?.examples.find(predicate)
  if (!found) throw new Error(`no ${event} example in @octokit/webhooks-examples`)
  return structuredClone(found)
}

export function pullRequestPayload(action: string): Record<string, any> {
  return examplePayload('pull_request', (example) => example.action === action)
}

export function pushPayload(ref: string): Record<string, any> {
  const payload = examplePayload('push')
  payload.ref = ref
  return payload
}
