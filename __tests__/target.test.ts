import { describe, expect, it } from '@jest/globals'
import type { EventContext } from '../src/context.js'
import { UserError } from '../src/errors.js'
import { channelFromBranch, resolveTarget } from '../src/target.js'
import { examplePayload, pullRequestPayload, pushPayload } from './helpers/payloads.js'

function context(eventName: string, payload: Record<string, any>, ref = ''): EventContext {
  return {
    eventName,
    payload,
    ref: ref || payload.ref || '',
    sha: 'c0ffee'.padEnd(40, '0'),
    runNumber: 42,
    runId: '1',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    repository: 'Codertocat/Hello-World'
  }
}

describe('resolveTarget', () => {
  it.each(['opened', 'synchronize', 'reopened'])('publishes a pull_request %s to pr-<number>', (action) => {
    const payload = pullRequestPayload(action)
    const target = resolveTarget(context('pull_request', payload, 'refs/pull/2/merge'), {}, '2.3.4')
    expect(target).toMatchObject({ kind: 'publish', channel: 'pr-2', version: '2.3.4-pr.2.42', commit: payload.pull_request.head.sha })
    expect(target.pullRequest).toMatchObject({ number: 2, fromFork: false, baseSha: payload.pull_request.base.sha })
  })

  it('removes the preview of a closed pull request', () => {
    const target = resolveTarget(context('pull_request', pullRequestPayload('closed')), {}, '1.0.0')
    expect(target).toMatchObject({ kind: 'cleanup', channel: 'pr-2' })
  })

  it('tells a pull request from a fork', () => {
    const payload = pullRequestPayload('opened')
    payload.pull_request.head.repo.full_name = 'someone/Hello-World'
    expect(resolveTarget(context('pull_request', payload), {}, '1.0.0').pullRequest?.fromFork).toBe(true)
  })

  it.each([
    ['refs/tags/v1.2.3', '1.2.3'],
    ['refs/tags/1.2.3', '1.2.3'],
    ['refs/tags/v2.0.0-beta.1', '2.0.0-beta.1']
  ])('publishes a tag push %s to production as %s', (ref, version) => {
    const target = resolveTarget(context('push', pushPayload(ref)), {}, '0.0.1')
    expect(target).toMatchObject({ kind: 'publish', channel: 'production', version })
  })

  it('refuses a tag that is not a version, naming the tag and the fix', () => {
    expect(() => resolveTarget(context('push', pushPayload('refs/tags/simple-tag')), {}, '1.0.0')).toThrow(
      new UserError('The tag "simple-tag" is not a version: name release tags like v1.2.3, or set the version input.')
    )
  })

  it('takes the version input over a tag that is not a version', () => {
    const target = resolveTarget(context('push', pushPayload('refs/tags/simple-tag')), { version: '3.0.0' }, '1.0.0')
    expect(target).toMatchObject({ channel: 'production', version: '3.0.0' })
  })

  it('publishes a branch push to the branch name made safe', () => {
    const target = resolveTarget(context('push', pushPayload('refs/heads/Feature/Login_Screen')), {}, '1.4.0')
    expect(target).toMatchObject({ kind: 'publish', channel: 'feature-login_screen', version: '1.4.0-feature-login-screen.42' })
  })

  it('drops the pre-release part of package.json when deriving a branch version', () => {
    const target = resolveTarget(context('push', pushPayload('refs/heads/main')), {}, '1.4.0-rc.1')
    expect(target).toMatchObject({ channel: 'main', version: '1.4.0-main.42' })
  })

  it('needs the channel input on workflow_dispatch', () => {
    const payload = examplePayload('workflow_dispatch')
    expect(() => resolveTarget(context('workflow_dispatch', payload), {}, '1.0.0')).toThrow(/set the channel input/)
    expect(resolveTarget(context('workflow_dispatch', payload), { channel: 'beta' }, '1.0.0')).toMatchObject({
      channel: 'beta',
      version: '1.0.0-main.42'
    })
    expect(resolveTarget(context('workflow_dispatch', payload), { channel: 'beta', version: '1.0.1' }, '1.0.0')).toMatchObject({ version: '1.0.1' })
  })

  it('lets the inputs override the channel and version of any event', () => {
    const target = resolveTarget(context('pull_request', pullRequestPayload('opened')), { channel: 'qa', version: '9.9.9' }, '1.0.0')
    expect(target).toMatchObject({ channel: 'qa', version: '9.9.9' })
  })

  it('refuses a package.json version that is not semver when it needs it', () => {
    expect(() => resolveTarget(context('push', pushPayload('refs/heads/main')), {}, 'latest')).toThrow(/package.json version "latest"/)
  })
})

describe('channelFromBranch', () => {
  it('keeps [a-z0-9._-] and at most 64 characters', () => {
    expect(channelFromBranch('Dependabot/NPM_and_yarn/@types/node-20.1')).toBe('dependabot-npm_and_yarn-types-node-20.1')
    expect(channelFromBranch('x'.repeat(100))).toHaveLength(64)
    expect(channelFromBranch('../../etc')).toBe('etc')
    expect(channelFromBranch('🙂')).toBe('branch')
  })
})
