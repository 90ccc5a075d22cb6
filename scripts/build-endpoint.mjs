// `npm run build-endpoint`: the update endpoint (src/endpoint/) as two single files, committed
// and checked by .ci/run: endpoint/dist/server.mjs (Node) and endpoint/dist/worker.mjs
// (Cloudflare Workers; built for a neutral platform, so a Node import in the handler fails the build).
import { build } from 'esbuild'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
// The same bytes on every machine: paths in comments are relative to the repository, no dates, no source maps.
const common = { absWorkingDir: root, bundle: true, format: 'esm', target: 'es2022', legalComments: 'none', charset: 'utf8', logLevel: 'warning' }

await build({ ...common, entryPoints: ['src/endpoint/server.ts'], outfile: 'endpoint/dist/server.mjs', platform: 'node' })
await build({ ...common, entryPoints: ['src/endpoint/worker.ts'], outfile: 'endpoint/dist/worker.mjs', platform: 'neutral' })
