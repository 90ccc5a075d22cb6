import { describe, expect, it } from '@jest/globals'
import { Marked } from 'marked'
import { parse, type HTMLElement } from 'node-html-parser'
import { compareWithChannel, diffFiles, type BundleComparison } from '../src/bundle/diff.js'
import type { BundleFile } from '../src/bundle/pack.js'
import type { Verdict } from '../src/eligibility/index.js'
import { buildComment, commentMarker } from '../src/github/comment.js'
import { buildSummary } from '../src/github/summary.js'
import type { ChannelPointer, Manifest } from '../src/registry/types.js'
import type { RunReport } from '../src/report.js'
import { expectSnapshotFile } from './helpers/snapshot-file.js'

// GitHub renders comments as GitHub-flavoured markdown; marked with gfm is the reader here.
const marked = new Marked({ gfm: true })
const render = (markdown: string): HTMLElement => parse(marked.parse(markdown, { async: false }) as string)
const NOW = new Date('2026-11-22T12:00:00Z')
const MARKER = commentMarker('com.example.app', '.')

const file = (path: string, size: number, hash = path): BundleFile => ({ path, size, sha256: hash.padEnd(64, '0') })
const before: BundleFile[] = [
  file('index.html', 612),
  file('assets/index-4f2a91c3.js', 148_210),
  file('assets/index-77b0e1aa.css', 9_930),
  file('assets/logo.svg', 4_120),
  file('assets/vendor-0c1d2e3f.js', 402_114),
  ...Array.from({ length: 12 }, (_, i) => file(`assets/locale-${i}.json`, 2_000 + i))
]
const after: BundleFile[] = [
  file('index.html', 618, 'index.html v2'),
  file('assets/index-9b3e55d0.js', 151_874),
  file('assets/index-77b0e1aa.css', 9_930),
  file('assets/logo.svg', 4_120),
  file('assets/vendor-0c1d2e3f.js', 402_114),
  file('assets/checkout-1a2b3c4d.js', 23_441),
  ...Array.from({ length: 12 }, (_, i) => file(`assets/locale-${i}.json`, 2_000 + i + (i < 8 ? 40 : 0), i < 8 ? `locale ${i} v2` : undefined))
]
const comparison: BundleComparison = {
  kind: 'compared',
  channel: 'production',
  version: '1.4.1',
  ...diffFiles(before, after),
  content: { before: before.reduce((s, f) => s + f.size, 0), after: after.reduce((s, f) => s + f.size, 0) },
  archive: { before: 171_602, after: 180_333 }
}

const eligible: Verdict = {
  eligible: true,
  reasons: [],
  notes: ['@capacitor/haptics 6.0.1 was removed: devices that still have it are unaffected'],
  fingerprint: 'ab'.repeat(32),
  nativeSources: [],
  framework: 'capacitor',
  baseline: { kind: 'pull-request-base', description: 'the pull request base (1a2b3c4)' }
}
const ineligible: Verdict = {
  ...eligible,
  eligible: false,
  notes: [],
  reasons: [
    { message: 'ios/App/Podfile changed', file: 'ios/App/Podfile' },
    { message: '@capacitor/camera 6.0.0 → 7.0.0 (native plugin)', file: 'package.json' }
  ]
}
const pullRequest = { number: 42, headSha: 'c0ffee1'.padEnd(40, '0'), baseSha: '1a2b3c4'.padEnd(40, '0'), baseRef: 'main', fromFork: false }
const target = { kind: 'publish' as const, channel: 'pr-42', version: '1.4.2-pr.42.17', commit: pullRequest.headSha, origin: 'pull request #42', pullRequest }
const pointer: ChannelPointer = {
  version: target.version, url: 'https://updates.example.com/com.example.app/bundles/1.4.2-pr.42.17/bundle.zip', checksum: 'cd'.repeat(32),
  size: 180_333, nativeFingerprint: eligible.fingerprint, channel: 'pr-42', publishedAt: '2026-11-22T12:00:00Z', commit: target.commit, previous: []
}
const ENDPOINT = 'https://updates.example.com'
const FILE_URL = 'file:///home/runner/work/app/.live-updates/com.example.app/bundles/1.4.2-pr.42.17/bundle.zip'
const published = (url = pointer.url): RunReport['outcome'] => ({
  kind: 'published',
  result: { kind: 'published', bundleUrl: url, bundleCreated: true, pointer: { ...pointer, url } },
  bundle: { size: 180_333, checksum: pointer.checksum, fileCount: after.length }
})
const base = { appId: 'com.example.app', workingDirectory: '.', backend: 's3', timings: [], runUrl: 'https://github.com/octo/app/actions/runs/1234', target }

/** One report per kind of comment the action writes. */
const kinds: Record<string, RunReport> = {
  eligible: { ...base, verdict: eligible, bundleComparison: comparison, outcome: published(), updateEndpointUrl: ENDPOINT, preview: { url: 'myapp://live-update?channel=pr-42', qrCodeUrl: pointer.url.replace('bundle.zip', 'preview-qr.svg') } },
  'eligible-capgo': { ...base, backend: 'capgo', verdict: eligible, bundleComparison: comparison, outcome: published() },
  'eligible-no-endpoint': { ...base, verdict: eligible, bundleComparison: comparison, outcome: published() },
  'eligible-folder-file-url': {
    ...base, backend: 'folder', verdict: eligible, outcome: published(FILE_URL),
    warnings: [`The channel pointer names ${FILE_URL}, a file on this runner that no device can fetch: serve the registry folder (registry-path) over https, from a web server, a CDN or a bucket it is copied to, and set public-url to its address.`]
  },
  'eligible-first-bundle': { ...base, verdict: eligible, bundleComparison: { kind: 'none', reason: 'neither production nor main has a bundle yet' }, outcome: published() },
  'store-release-fail': { ...base, verdict: ineligible, outcome: { kind: 'failed', error: 'This change needs a store release, not a live update (ios/App/Podfile changed): ship a new native build, or set on-native-change to skip or publish.' } },
  'store-release-skip': { ...base, verdict: ineligible, outcome: { kind: 'skipped', reason: 'the change needs a store release and on-native-change is skip' } },
  'store-release-publish': { ...base, verdict: ineligible, bundleComparison: comparison, outcome: published() },
  removed: { ...base, target: { ...target, kind: 'cleanup', origin: 'pull request #42 closed' }, outcome: { kind: 'removed', removal: { removedPointer: true, removedVersions: ['1.4.2-pr.42.16', '1.4.2-pr.42.17'] } } },
  'skipped-fork': { ...base, outcome: { kind: 'skipped', reason: 'pull request #42 comes from a fork, whose runs get no secrets and whose code is not trusted to publish; a maintainer can publish it from a branch of this repository' } },
  failed: { ...base, outcome: { kind: 'failed', error: 'The build command "npm run build" failed with exit code 2: fix the build, or set build-command.' } }
}

function tables(html: HTMLElement) {
  return html.querySelectorAll('table').map((t) => ({
    header: t.querySelectorAll('thead th').map((th) => th.text.trim()),
    rows: t.querySelectorAll('tbody tr').map((tr) => tr.querySelectorAll('td').map((td) => td.text.trim()))
  }))
}

describe.each(Object.entries(kinds))('the %s comment', (kind, report) => {
  const markdown = buildComment(report, MARKER, NOW)
  const html = render(markdown)

  it('matches its snapshot', () => {
    expectSnapshotFile(`comments/${kind}.md`, markdown)
  })

  it('opens with a headline: the verdict and what was done, in one paragraph', () => {
    expect(html.querySelector('h2')?.text).toContain('Live update of com.example.app')
    const headline = html.querySelector('h2')!.nextElementSibling!
    expect(headline.tagName).toBe('P')
    expect(headline.text).toMatch(/Can ship|Needs a store release|Nothing was published|removed|failed/)
  })

  it('has no table with an empty header cell, and every row as wide as its header', () => {
    for (const { header, rows } of tables(html)) {
      expect(header.every((cell) => cell.length > 0)).toBe(true)
      for (const row of rows) expect(row).toHaveLength(header.length)
    }
  })

  it('keeps notes, details and footer in separate blocks', () => {
    for (const item of html.querySelectorAll('li')) expect(item.text).not.toMatch(/Framework|Workflow run|UTC/)
    expect(html.querySelectorAll('details').at(-1)?.querySelector('summary')?.text).toMatch(/Details|Signed/)
  })
})

describe('the eligible comment, read as HTML', () => {
  const html = render(buildComment(kinds.eligible, MARKER, NOW))

  it('says verdict, channel, version, size and its change in the headline', () => {
    const headline = html.querySelector('h2')!.nextElementSibling!.text
    expect(headline).toBe('Can ship as a live update. Published 1.4.2-pr.42.17 to channel pr-42: 176 KiB download, +8.5 KiB against production (1.4.1), 12 files changed.')
  })

  it('lists the changed files biggest first, 10 shown and the rest folded, then the totals', () => {
    const [shown, foldedFiles, totals] = tables(html).filter((t) => t.header[0] === 'File' || t.header[0] === 'Total')
    expect(shown.rows.slice(0, 4)).toEqual([
      ['assets/index-9b3e55d0.js', 'added', '148 KiB', '+148 KiB'],
      ['assets/index-4f2a91c3.js', 'removed', '', '−145 KiB'],
      ['assets/checkout-1a2b3c4d.js', 'added', '23 KiB', '+23 KiB'],
      ['assets/locale-0.json', 'changed', '2.0 KiB', '+40 B']
    ])
    expect(shown.rows).toHaveLength(10)
    expect(foldedFiles.rows.map((r) => r[0])).toEqual(['assets/locale-7.json', 'index.html'])
    expect(html.querySelectorAll('details summary').map((s) => s.text)).toContain('2 more files')
    expect(totals.rows[1]).toEqual(['Archive, what a device downloads', '168 KiB', '176 KiB', '+8.5 KiB'])
  })

  it('shows the preview link as text (GitHub links no app scheme) and its QR code as an image', () => {
    const section = html.querySelectorAll('h3')[0]
    expect(section.nextElementSibling!.text).toBe('Open myapp://live-update?channel=pr-42 on the phone (GitHub links only web addresses), or scan this with its camera:')
    const image = section.nextElementSibling!.nextElementSibling!.querySelector('img')!
    expect([image.getAttribute('src'), image.getAttribute('alt')]).toEqual([pointer.url.replace('bundle.zip', 'preview-qr.svg'), 'QR code of the preview link'])
  })

  it('links the bundle where a tester can open it, and puts the how-to-test section before the file list', () => {
    expect(html.querySelector('a[href$="bundle.zip"]')?.getAttribute('href')).toBe(pointer.url)
    const headings = html.querySelectorAll('h3').map((h) => h.text)
    expect(headings).toEqual(['How to test', 'What changed in the bundle'])
  })
})

describe('how to test, for each backend', () => {
  /** The "How to test" section as rendered: its paragraphs and code blocks, up to the next heading. */
  function section(report: RunReport) {
    // node-html-parser keeps a <pre> as raw text unless told otherwise: here its <code> is wanted.
    const html = parse(marked.parse(buildComment(report, MARKER, NOW), { async: false }) as string, { blockTextElements: { script: true, style: true } })
    const blocks: { tag: string; text: string; language?: string }[] = []
    const heading = html.querySelectorAll('h3').find((h) => h.text === 'How to test')
    for (let node = heading?.nextElementSibling; node && node.tagName !== 'H3'; node = node.nextElementSibling) {
      const codeElement = node.querySelector('code')
      blocks.push(node.tagName === 'PRE'
        ? { tag: 'pre', text: codeElement!.text, language: codeElement!.getAttribute('class')?.replace('language-', '') }
        : { tag: node.tagName.toLowerCase(), text: node.text })
    }
    return blocks
  }
  const codeBlocks = (report: RunReport) => section(report).filter((b) => b.tag === 'pre')

  it('with an update endpoint: each plugin\'s capacitor.config settings, as JSON that parses, then the call', () => {
    const blocks = codeBlocks(kinds.eligible)
    expect(blocks.map((b) => b.language)).toEqual(['json', 'ts', 'json', 'ts'])
    expect(JSON.parse(blocks[0].text)).toEqual({ updateUrl: `${ENDPOINT}/updates`, channelUrl: `${ENDPOINT}/channel_self`, statsUrl: `${ENDPOINT}/stats` })
    expect(blocks[1].text.trim()).toBe("await CapacitorUpdater.setChannel({ channel: 'pr-42' })")
    expect(JSON.parse(blocks[2].text)).toEqual({ appId: 'com.example.app', serverDomain: 'updates.example.com' })
    expect(blocks[3].text.trim()).toBe("await LiveUpdate.sync({ channel: 'pr-42' })\nawait LiveUpdate.reload()")
    const text = section(kinds.eligible).map((b) => b.text).join('\n')
    expect(text).toContain('Or put a test device on pr-42 through the update endpoint at https://updates.example.com.')
    expect(text).toContain('@capgo/capacitor-updater: set plugins.CapacitorUpdater in capacitor.config')
    expect(text).toContain('@capawesome/capacitor-live-update: set plugins.LiveUpdate in capacitor.config')
  })

  it.each([
    ['http://127.0.0.1:8787', 'it reaches an endpoint only over https'],
    ['https://updates.example.com:8443', 'it reaches an endpoint only on port 443'],
    ['https://example.com/live-updates', 'it reaches an endpoint only at the root of its host']
  ])('with an endpoint at %s: Capgo\'s URLs, and why Capawesome cannot reach it', (url, why) => {
    const report = { ...kinds.eligible, updateEndpointUrl: url }
    expect(JSON.parse(codeBlocks(report)[0].text).updateUrl).toBe(`${url}/updates`)
    expect(codeBlocks(report)).toHaveLength(2)
    expect(section(report).map((b) => b.text).join('\n')).toContain(`@capawesome/capacitor-live-update cannot use this endpoint: ${why}`)
  })

  it('with the capgo backend: setChannel against Capgo Cloud, and no endpoint settings', () => {
    const blocks = section(kinds['eligible-capgo'])
    expect(blocks.map((b) => b.tag)).toEqual(['p', 'pre'])
    expect(blocks[0].text).toMatch(/^Put a test device on pr-42 with @capgo\/capacitor-updater, which asks Capgo Cloud/)
    expect(blocks[1].text.trim()).toBe("await CapacitorUpdater.setChannel({ channel: 'pr-42' })")
  })

  it('without an endpoint: no setChannel call that would fail, but what to set, and the pointer manual mode reads', () => {
    const blocks = section(kinds['eligible-no-endpoint'])
    expect(blocks.filter((b) => b.tag === 'pre')).toEqual([])
    const text = blocks.map((b) => b.text).join('\n')
    expect(text).toContain('set the update-endpoint-url input to its address')
    expect(text).toContain('https://updates.example.com/com.example.app/channels/pr-42.json')
  })

  it('with a folder registry devices cannot reach: the warning under the headline, and no file:// pointer', () => {
    const html = render(buildComment(kinds['eligible-folder-file-url'], MARKER, NOW))
    expect(html.querySelector('h2')!.nextElementSibling!.nextElementSibling!.tagName).toBe('BLOCKQUOTE')
    expect(html.querySelector('blockquote')!.text).toContain(`[!WARNING]\nThe channel pointer names ${FILE_URL}, a file on this runner that no device can fetch`)
    const text = section(kinds['eligible-folder-file-url']).map((b) => b.text).join('\n')
    expect(text).not.toContain('file://')
    expect(text).toContain('once the registry is served over https')
  })
})

describe('user-controlled text in the comment and the summary', () => {
  const hostile = '<img src=x onerror=alert(1)> [a](https://evil.example) **b** @everyone | x'
  const hostileFiles = [file('<script>alert(1)</script>.js', 10), file('a|b.js', 20), file('`tick`.js', 30), file('assets/<img src=x>.png', 40)]
  const report: RunReport = {
    ...base,
    appId: 'com.example.app',
    workingDirectory: 'apps/<b>web</b>',
    target: { ...target, origin: `push to branch ${hostile}` },
    verdict: { ...ineligible, framework: hostile, reasons: [{ message: hostile }], notes: [hostile], baseline: { kind: 'input', description: hostile } },
    bundleComparison: { ...comparison, ...diffFiles([], hostileFiles) },
    timings: [{ name: 'Build', ms: 10, outcome: hostile }],
    outcome: published()
  }

  it.each([
    ['comment', buildComment(report, MARKER, NOW)],
    ['summary', buildSummary(report, NOW)]
  ])('stays text in the rendered %s', (_, markdown) => {
    const html = render(markdown)
    expect(html.querySelectorAll('img, script, b, strong em')).toHaveLength(0)
    expect(html.querySelectorAll('a').map((a) => a.getAttribute('href'))).not.toContain('https://evil.example')
    expect(html.querySelectorAll('strong').map((s) => s.text)).not.toContain('b')
    const text = html.text
    expect(text).toContain('<img src=x onerror=alert(1)>')
    for (const name of ['<script>alert(1)</script>.js', 'a|b.js', "'tick'.js", 'assets/<img src=x>.png']) {
      expect(tables(html).flatMap((t) => t.rows.map((r) => r[0]))).toContain(name)
    }
    for (const { header, rows } of tables(html)) for (const row of rows) expect(row).toHaveLength(header.length)
  })
})

describe('the summary', () => {
  it('renders the stages as a table with a header', () => {
    const html = render(buildSummary({ ...kinds.eligible, timings: [{ name: 'Pack', ms: 12, outcome: '18 files' }] }, NOW))
    expect(tables(html).at(-1)).toEqual({ header: ['Stage', 'Outcome', 'Time'], rows: [['Pack', '18 files', '12 ms']] })
  })
})

describe('the comparison with what devices run now', () => {
  const manifest = (files: BundleFile[]) => ({ files }) as Manifest
  const registry = (channels: Record<string, { pointer: Partial<ChannelPointer>; files: BundleFile[] }>) => ({
    name: 's3',
    readPointer: async (_: string, channel: string) => channels[channel]?.pointer as ChannelPointer | undefined,
    readManifest: async (_: string, version: string) => {
      const found = Object.values(channels).find((c) => c.pointer.version === version)
      return found && manifest(found.files)
    }
  })

  it('takes production first, then the base branch, and says when neither has a bundle', async () => {
    const both = registry({ production: { pointer: { version: '1.4.1', size: 100 }, files: before }, main: { pointer: { version: '1.5.0-main.3', size: 90 }, files: after } })
    expect(await compareWithChannel(both, 'a', ['production', 'main'], { files: after, size: 120 })).toMatchObject({ channel: 'production', version: '1.4.1', archive: { before: 100, after: 120 } })
    const mainOnly = registry({ main: { pointer: { version: '1.5.0-main.3', size: 90 }, files: after } })
    expect(await compareWithChannel(mainOnly, 'a', ['production', 'main'], { files: after, size: 90 })).toMatchObject({ channel: 'main', changes: [], unchanged: after.length })
    expect(await compareWithChannel(registry({}), 'a', ['production', 'main'], { files: after, size: 90 })).toEqual({ kind: 'none', reason: 'neither production nor main has a bundle yet' })
  })

  it('costs only the comparison when the registry cannot be read', async () => {
    const broken = { name: 's3', readPointer: async () => { throw new Error('production.json is not valid JSON.') }, readManifest: async () => undefined }
    expect(await compareWithChannel(broken, 'a', ['production'], { files: after, size: 1 })).toEqual({ kind: 'none', reason: 'the registry could not be read (production.json is not valid JSON)' })
  })
})
