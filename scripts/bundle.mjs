// `npm run bundle`: the action (src/index.ts) into dist/, committed and checked by .ci/run.
// esbuild with code splitting: dist/index.js holds what every run needs (inputs, the event,
// outputs, the workflow commands); each mode, the GitHub client, undici and the parsers are
// chunks that a dynamic import() loads when a run reaches them (docs/architecture.md, Build).
// Whitespace and syntax are minified, names are kept, so a stack trace still reads.
// dist/licenses.txt: the licence of every package in the bundle.
import { build } from 'esbuild'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
// Tests build a fresh copy elsewhere (--outdir), never testing a stale committed one.
const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'dist') } } })
const outdir = resolve(values.outdir)

// No stale chunk of an earlier build stays beside the new ones.
rmSync(outdir, { recursive: true, force: true })
mkdirSync(outdir, { recursive: true })

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  // A package's ES module build before its CommonJS one, as webpack resolved them: the UMD
  // build of jsonc-parser requires its files through a factory's parameter, which no bundler follows.
  mainFields: ['module', 'main'],
  chunkNames: '[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  // The same bytes on every machine: no source maps, no dates, paths relative to the repository.
  legalComments: 'none',
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
  // One js-yaml: our import would take its ES module build and @yarnpkg/parsers' require its
  // CommonJS one, the same parser bundled twice.
  plugins: [{ name: 'one-js-yaml', setup: (b) => b.onResolve({ filter: /^js-yaml$/ }, () => ({ path: join(root, 'node_modules', 'js-yaml', 'index.js') })) }],
  // The bundled CommonJS packages (undici, semver, js-yaml, ...) require Node's modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
})

// dist/ is ESM whatever folder it is copied to.
writeFileSync(join(outdir, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n')

/** The folder of the package an input comes from: the last node_modules/<name> or node_modules/@scope/<name> of its path. */
function packageRoot(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
  return match?.[1]
}

const LICENCE_FILE = /^(licen[cs]e|copying)(\.(md|txt))?$/i
const packages = new Map()
for (const input of Object.keys(metafile.inputs)) {
  const dir = packageRoot(input)
  if (!dir || packages.has(dir)) continue
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
  const file = readdirSync(join(root, dir)).sort().find((name) => LICENCE_FILE.test(name))
  const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : ''
  packages.set(dir, { name: manifest.name, license: manifest.license ?? 'UNKNOWN', text })
}
const entries = [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
if (!entries.length || !existsSync(join(outdir, 'index.js'))) throw new Error('the bundle is empty')
writeFileSync(join(outdir, 'licenses.txt'), entries.map((p) => `${p.name}\n${p.license}${p.text ? `\n${p.text}` : ''}\n`).join('\n'))
