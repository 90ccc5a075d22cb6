// `npm run build-endpoint`: the update endpoint (src/endpoint/) as two single files, committed
// and checked by .ci/run: endpoint/dist/server.mjs (Node) and endpoint/dist/worker.mjs
// (Cloudflare Workers; built for a neutral platform, so a Node import in the handler fails the build).
import { build } from 'esbuild'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
// Tests build a fresh copy elsewhere (--outdir), never testing a stale committed one.
const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'endpoint', 'dist') } } })
// The same bytes on every machine: paths in comments are relative to the repository, no dates, no source maps.
const common = { absWorkingDir: root, bundle: true, format: 'esm', target: 'es2022', legalComments: 'none', charset: 'utf8', logLevel: 'warning' }

await build({ ...common, entryPoints: ['src/endpoint/server.ts'], outfile: join(values.outdir, 'server.mjs'), platform: 'node' })
await build({ ...common, entryPoints: ['src/endpoint/worker.ts'], outfile: join(values.outdir, 'worker.mjs'), platform: 'neutral' })
