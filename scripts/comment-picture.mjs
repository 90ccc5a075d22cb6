// `npm run comment-picture`: renders a comment snapshot (markdown, from the rendering tests)
// with GitHub-flavoured markdown and GitHub's markdown CSS, and screenshots it with headless
// Chromium into docs/ for the README. A development step, not a test: it needs Debian's
// `chromium` (apt-get install chromium). Usage: node scripts/comment-picture.mjs [kind] [out.png]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Marked } from 'marked'
import qrcode from 'qrcode-generator'

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
const kind = process.argv[2] ?? 'eligible'
const out = resolve(root, process.argv[3] ?? `docs/comment-${kind}.png`)
const chromium = process.env.CHROMIUM ?? 'chromium'
const WIDTH = 880

const markdown = readFileSync(join(root, '__tests__', '__snapshots__', 'comments', `${kind}.md`), 'utf8')
// The snapshot's QR code points at an example host: draw it here from the link the comment shows.
const link = /Open `([^`]+)` on the phone|Open \[[^\]]*\]\(([^)]+)\) on the phone/.exec(markdown)
const qr = link && qrcode(0, 'M')
if (qr) {
  qr.addData(link[1] ?? link[2], 'Byte')
  qr.make()
}
const body = new Marked({ gfm: true })
  .parse(markdown, { async: false })
  .replace(/<img src="[^"]*preview-qr\.svg"/, (tag) => (qr ? `<img src="data:image/svg+xml;base64,${Buffer.from(qr.createSvgTag({ cellSize: 5, margin: 20 })).toString('base64')}"` : tag))
const css = readFileSync(createRequire(import.meta.url).resolve('github-markdown-css/github-markdown-light.css'), 'utf8')

// A GitHub comment box around the rendered markdown; the script records the page's height
// so the screenshot is exactly as tall as the comment.
const page = `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; padding: 16px; background: #fff; font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
.box { border: 1px solid #d0d7de; border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; font-size: 14px; color: #656d76; border-radius: 6px 6px 0 0; }
.head b { color: #1f2328; }
.markdown-body { padding: 16px; font-size: 14px; }
</style></head><body><div class="box"><div class="head"><b>github-actions</b> <span>bot</span> commented</div>
<article class="markdown-body">${body}</article></div>
<script>document.body.setAttribute('data-height', String(document.documentElement.scrollHeight))</script></body></html>`

const temp = mkdtempSync(join(tmpdir(), 'comment-picture-'))
try {
  const html = join(temp, 'comment.html')
  writeFileSync(html, page)
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${join(temp, 'profile')}`]
  const dom = execFileSync(chromium, [...flags, `--window-size=${WIDTH},800`, '--dump-dom', `file://${html}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  const height = Number(/data-height="(\d+)"/.exec(dom)?.[1])
  if (!height) throw new Error('Chromium did not report the page height')
  execFileSync(chromium, [...flags, `--window-size=${WIDTH},${height}`, `--screenshot=${out}`, `file://${html}`], { stdio: ['ignore', 'ignore', 'ignore'] })
  console.log(`wrote ${out} (${WIDTH}×${height}) from __tests__/__snapshots__/comments/${kind}.md`)
} finally {
  rmSync(temp, { recursive: true, force: true })
}
