import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals'
import { rmSync } from 'node:fs'
import { makeWorkspace } from './action.js'
import { startFakeGitHub, type FakeGitHub } from './github-server.js'
import { S3_CREDENTIALS, startFaultProxy, startS3, type FaultProxy, type LocalS3 } from './s3.js'

/**
 * The parts a describe block shares, started and stopped by its jest hooks. Each returns a
 * holder whose fields are set once the hooks have run (read them inside tests, not at load).
 */

/** A fresh copy of examples/capacitor-app for each test, removed after it. */
export function withWorkspace(): { dir: string } {
  const holder = { dir: '' }
  beforeEach(() => {
    holder.dir = makeWorkspace()
  })
  afterEach(() => rmSync(holder.dir, { recursive: true, force: true }))
  return holder
}

/** The fake GitHub for the block, emptied before each test; every request it saw must have matched GitHub's OpenAPI description. */
export function withFakeGitHub(): { github: FakeGitHub } {
  const holder = {} as { github: FakeGitHub }
  beforeAll(async () => {
    holder.github = await startFakeGitHub()
  })
  afterAll(() => holder.github.close())
  beforeEach(() => holder.github.reset())
  afterEach(() => expect(holder.github.invalid).toEqual([]))
  return holder
}

/** s3rver with the fault proxy in front of it for the block; the proxy's rules and log are cleared before each test. */
export function withLocalS3(): { s3: LocalS3; proxy: FaultProxy } {
  const holder = {} as { s3: LocalS3; proxy: FaultProxy }
  beforeAll(async () => {
    holder.s3 = await startS3()
    holder.proxy = await startFaultProxy(holder.s3.endpoint)
  })
  afterAll(async () => {
    await holder.proxy.close()
    await holder.s3.close()
  })
  beforeEach(() => {
    holder.proxy.rules = []
    holder.proxy.seen = []
  })
  return holder
}

/** The inputs of a step that publishes to the bucket of withLocalS3, through the fault proxy, below a prefix of the test's own. */
export function localS3Inputs(local: { s3: LocalS3; proxy: FaultProxy }, prefix: string): Record<string, string> {
  return {
    'working-directory': 'app',
    backend: 's3',
    's3-bucket': local.s3.bucket,
    's3-prefix': prefix,
    's3-endpoint': local.proxy.endpoint,
    's3-access-key-id': S3_CREDENTIALS.accessKeyId,
    's3-secret-access-key': S3_CREDENTIALS.secretAccessKey
  }
}
