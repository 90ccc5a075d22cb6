import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { checkPreviewUrl, previewLink, qrCodeSvg } from '../src/github/preview-link.js'
import { getInputs } from '../src/inputs.js'
import { makeWorkspace, runAction } from './helpers/action.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.js'
import { pullRequestPayload } from './helpers/payloads.js'
import { S3_CREDENTIALS, startS3, type LocalS3 } from './helpers/s3.js'

// jsqr is CommonJS whose types describe an ES default export.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default

/**
 * Draws the SVG's dark squares into pixels and reads them with jsQR, a decoder written
 * apart from the generator: what a phone's camera would read.
 */
function decodeQrSvg(svg: string): string | undefined {
  const size = Number(/width="(\d+)px"/.exec(svg)?.[1])
  const cell = Number(/M\d+,\d+l(\d+),0/.exec(svg)?.[1])
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255)
  for (const [, x, y] of svg.matchAll(/M(\d+),(\d+)l/g)) {
    for (let dy = 0; dy < cell; dy++) {
      for (let dx = 0; dx < cell; dx++) {
        const at = ((Number(y) + dy) * size + Number(x) + dx) * 4
        pixels[at] = pixels[at + 1] = pixels[at + 2] = 0
      }
    }
  }
  return jsQR(pixels, size, size)?.data
}

describe('the preview-url template', () => {
  it('fills in channel, version and app id, URL-encoded', () => {
    expect(previewLink('myapp://live-update?channel={channel}&v={version}&app={appId}', { channel: 'pr-42', version: '1.0.0-pr.42.3', appId: 'com.example.app' }))
      .toBe('myapp://live-update?channel=pr-42&v=1.0.0-pr.42.3&app=com.example.app')
    expect(previewLink('https://example.com/install/{channel}', { channel: 'a b&c', version: '', appId: '' })).toBe('https://example.com/install/a%20b%26c')
  })

  it.each([
    ['myapp://live-update?channel={branch}', /names \{branch\}: use only \{channel\}, \{version\}, \{appId\}/],
    ['not a url {channel}', /is not a URL: use an absolute URL such as myapp:\/\/live-update\?channel=\{channel\}/],
    ['javascript:alert({channel})', /uses javascript:, which a tester's phone must not open/],
    ['data:text/html,{channel}', /uses data:/]
  ])('refuses %j up front', (template, message) => {
    expect(() => checkPreviewUrl('preview-url input', template)).toThrow(message)
    expect(() => getInputs((name) => (name === 'preview-url' ? template : ''), {})).toThrow(message)
  })

  it('makes a QR code a camera reads back as the link', () => {
    for (const link of ['myapp://live-update?channel=pr-42', `https://example.com/install?channel=pr-1&app=${'x'.repeat(200)}`]) {
      expect(decodeQrSvg(qrCodeSvg(link))).toBe(link)
    }
  })
})

describe('the preview link on a pull request, with S3', () => {
  let s3: LocalS3
  let github: FakeGitHub
  let workspace: string
  let prefix = 0
  beforeAll(async () => {
    s3 = await startS3()
    github = await startFakeGitHub()
  })
  afterAll(async () => {
    await github.close()
    await s3.close()
  })
  beforeEach(() => {
    workspace = makeWorkspace()
    github.reset()
    prefix++
  })
  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true })
    expect(github.invalid).toEqual([])
  })

  const base = () => `${s3.endpoint}/${s3.bucket}/p${prefix}`
  const pr = (action: string, inputs: Record<string, string>) => runAction({
    cwd: workspace,
    eventName: 'pull_request',
    payload: pullRequestPayload(action),
    runNumber: 3,
    inputs: {
      'working-directory': 'app', backend: 's3', 's3-bucket': s3.bucket, 's3-prefix': `p${prefix}`, 's3-endpoint': s3.endpoint,
      's3-access-key-id': S3_CREDENTIALS.accessKeyId, 's3-secret-access-key': S3_CREDENTIALS.secretAccessKey, 'public-url': base(),
      'github-token': 'ghs_' + 'P'.repeat(36), ...inputs
    },
    env: { GITHUB_API_URL: github.url }
  })

  it('shows an app link and its QR code, hosted next to the bundle, and removes it with the preview', async () => {
    const result = await pr('opened', { 'preview-url': 'myapp://live-update?channel={channel}' })
    expect(result.exitCode).toBe(0)
    const qrUrl = `${base()}/com.example.liveupdate/bundles/1.0.0-pr.2.3/preview-qr.svg`
    const body = github.comments[0].body
    expect(body).toContain('Open `myapp://live-update?channel=pr-2` on the phone (GitHub links only web addresses), or scan this with its camera:')
    expect(body).toContain(`![QR code of the preview link](${qrUrl})`)
    const response = await fetch(qrUrl)
    expect(response.headers.get('content-type')).toBe('image/svg+xml')
    expect(decodeQrSvg(await response.text())).toBe('myapp://live-update?channel=pr-2')
    // GitHub does not open an app's own scheme: the deployment links the bundle.
    expect(github.deployments[0].statuses[0].environment_url).toBe(`${base()}/com.example.liveupdate/bundles/1.0.0-pr.2.3/bundle.zip`)

    expect((await pr('closed', { 'preview-url': 'myapp://live-update?channel={channel}' })).exitCode).toBe(0)
    expect((await fetch(qrUrl)).status).toBe(404)
  })

  it('links an https preview page, which the deployment points at too', async () => {
    const result = await pr('opened', { 'preview-url': 'https://example.com/install?channel={channel}' })
    expect(result.exitCode).toBe(0)
    expect(github.comments[0].body).toContain('Open [https://example.com/install?channel=pr\\-2](https://example.com/install?channel=pr-2) on the phone, or scan')
    expect(github.deployments[0].statuses[0].environment_url).toBe('https://example.com/install?channel=pr-2')
  })

  it('shows the link alone where the registry is not served over http(s)', async () => {
    const result = await runAction({
      cwd: workspace,
      eventName: 'pull_request',
      payload: pullRequestPayload('opened'),
      inputs: { 'working-directory': 'app', 'preview-url': 'myapp://live-update?channel={channel}', 'github-token': 'ghs_' + 'P'.repeat(36) },
      env: { GITHUB_API_URL: github.url }
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('Preview link: myapp://live-update?channel=pr-2, no QR code: the registry is not served over http(s): set public-url')
    expect(github.comments[0].body).toContain('Open `myapp://live-update?channel=pr-2` on the phone (GitHub links only web addresses).')
    expect(github.comments[0].body).not.toContain('QR code')
  })
})
