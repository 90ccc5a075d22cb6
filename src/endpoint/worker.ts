/*
 * The endpoint as a Cloudflare Worker (endpoint/dist/worker.mjs, endpoint/wrangler.toml):
 * the registry is read through its public URL, set as the REGISTRY_URL var.
 */
import { createHandler } from './handler.js'
import { endpointOptions } from './options.js'
import { UrlRegistryReader } from './registry-reader.js'

interface WorkerEnv {
  REGISTRY_URL?: string
  DEFAULT_CHANNEL?: string
  SELF_ASSIGN?: string
  CACHE_SECONDS?: string
}

let built: { key: string; handler: (request: Request) => Promise<Response> } | undefined

function handlerFor(env: WorkerEnv): (request: Request) => Promise<Response> {
  const key = JSON.stringify([env.REGISTRY_URL, env.DEFAULT_CHANNEL, env.SELF_ASSIGN, env.CACHE_SECONDS])
  if (built?.key !== key) {
    const options = endpointOptions({ defaultChannel: env.DEFAULT_CHANNEL, selfAssign: env.SELF_ASSIGN, cacheSeconds: env.CACHE_SECONDS })
    // One isolate serves many requests: the pointer cache lives as long as it does.
    built = { key, handler: createHandler({ registry: new UrlRegistryReader(env.REGISTRY_URL!), log: (line) => console.log(line), ...options }) }
  }
  return built.handler
}

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    if (!env.REGISTRY_URL || !/^https?:\/\//.test(env.REGISTRY_URL)) {
      console.log('REGISTRY_URL is not set to an http(s) URL')
      return Response.json({ error: 'missing_config', message: 'The endpoint has no registry: set REGISTRY_URL in wrangler.toml [vars] to the registry\'s public URL.', kind: 'failed' }, { status: 500 })
    }
    try {
      return await handlerFor(env)(request)
    } catch (error) {
      console.log(`configuration error: ${(error as Error).message}`)
      return Response.json({ error: 'invalid_config', message: (error as Error).message, kind: 'failed' }, { status: 500 })
    }
  }
}
