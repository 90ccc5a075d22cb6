/**
 * `npm run bench`: each stage of the action against the tool it replaces, on data made
 * here. Prints a table and writes bench-results.json. Flags: see `--help`.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { benchDelta } from './delta.js'
import { benchEndpoint } from './endpoint.js'
import { benchFingerprint } from './fingerprint.js'
import { MB, type Row } from './measure.js'
import { generateNativeProject } from './native-project.js'
import { benchPack, benchPackRss } from './pack.js'
import { benchPublish } from './publish.js'
import { benchStartup } from './startup.js'
import { renderTable } from './table.js'
import { generateWebBundle } from './web-bundle.js'

const STAGES = ['pack', 'fingerprint', 'publish', 'delta', 'startup', 'endpoint'] as const

const { values: flags } = parseArgs({
  options: {
    'pack-mb': { type: 'string', default: '200' },
    'pack-files': { type: 'string', default: '5000' },
    'pack-runs': { type: 'string', default: '1' },
    'rss-mb': { type: 'string', default: '1024' },
    packages: { type: 'string', default: '1000' },
    'native-plugins': { type: 'string', default: '50' },
    'project-web-files': { type: 'string', default: '400' },
    'project-web-mb': { type: 'string', default: '20' },
    'fingerprint-runs': { type: 'string', default: '3' },
    'publish-runs': { type: 'string', default: '3' },
    'startup-runs': { type: 'string', default: '9' },
    'endpoint-channels': { type: 'string', default: '1000' },
    'endpoint-seconds': { type: 'string', default: '2' },
    only: { type: 'string', default: STAGES.join(',') },
    out: { type: 'string', default: 'bench-results.json' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false }
  }
})

const HELP = `npm run bench -- [flags]
  --pack-mb N            size of the generated web bundle (200; the RSS target is for 1024)
  --pack-files N         files in it (5000)
  --pack-runs N          timed runs of pack and of zip (1)
  --rss-mb N             size of the second bundle, packed once for its peak RSS (1024; 0 skips it)
  --packages N           installed packages of the fingerprint project (1000)
  --native-plugins N     of which native plugins (50)
  --project-web-files N  files of its web build, copied into ios/ and android/ (400)
  --project-web-mb N     size of that web build (20)
  --fingerprint-runs N   timed runs of each fingerprint, after one warm-up (3)
  --publish-runs N       timed uploads of each side (3)
  --startup-runs N       runs of node dist/index.js and of bare node (9)
  --endpoint-channels N  channels of the update endpoint's registry (1000)
  --endpoint-seconds N   seconds of load on the endpoint and on its baseline (2)
  --only a,b             stages among ${STAGES.join(', ')}
  --out FILE             JSON results (bench-results.json)
  --keep                 keep the generated data (its folder is printed)`

function count(name: keyof typeof flags): number {
  const value = Number(flags[name])
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not ${flags[name]}.`)
  return value
}

function machine(): Record<string, string | number> {
  const nproc = Number(execFileSync('nproc').toString().trim())
  return { nproc, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` }
}

async function main(): Promise<void> {
  if (flags.help) return console.log(HELP)
  const only = new Set(flags.only!.split(','))
  const workDir = await mkdtemp(join(tmpdir(), 'live-update-bench-'))
  const rows: Row[] = []
  const log = (message: string) => console.error(`[bench] ${message}`)
  try {
    const bundleBytes = Math.round(count('pack-mb') * MB)
    const webDir = join(workDir, 'web')
    if (only.has('pack') || only.has('publish') || only.has('delta')) {
      log(`generating a web bundle of ${count('pack-files')} files, ${count('pack-mb')} MB`)
      await generateWebBundle(webDir, { files: count('pack-files'), bytes: bundleBytes, seed: 1 })
    }
    let packed: Awaited<ReturnType<typeof benchPack>> | undefined
    if (only.has('pack') || only.has('publish')) {
      log('pack: the action, and zip -qrX + sha256sum')
      packed = await benchPack(webDir, workDir, bundleBytes, only.has('pack') ? count('pack-runs') : 1)
      if (only.has('pack')) rows.push(...packed.rows)
    }
    if (only.has('publish') && packed) {
      log('publish: the action\'s S3 backend, and a plain signed PUT, to s3rver on 127.0.0.1')
      rows.push(...(await benchPublish(packed, join(workDir, 's3rver'), count('publish-runs'))))
      await rm(join(workDir, 's3rver'), { recursive: true, force: true })
    }
    if (only.has('delta')) {
      log('delta: the built action publishes three releases; a device takes them through the built endpoint, file by file')
      rows.push(...(await benchDelta(webDir, workDir)))
    }
    if (only.has('fingerprint')) {
      const projectDir = join(workDir, 'project')
      log(`generating a Capacitor project: ${count('packages')} packages, ${count('native-plugins')} native plugins, ios/ and android/`)
      const project = await generateNativeProject(projectDir, {
        packages: count('packages'), nativePlugins: count('native-plugins'), webFiles: count('project-web-files'), webBytes: Math.round(count('project-web-mb') * MB), seed: 2
      })
      log(`fingerprint: the action, and @expo/fingerprint (${project.files} files)`)
      rows.push(...(await benchFingerprint(projectDir, join(projectDir, 'dist'), count('fingerprint-runs'), project.probe)))
    }
    if (only.has('startup')) {
      log('start-up: node dist/index.js, and bare node')
      rows.push(...(await benchStartup(count('startup-runs'))))
    }
    if (only.has('endpoint')) {
      log(`endpoint: endpoint/dist/server.mjs over ${count('endpoint-channels')} channels, and a bare node:http server`)
      rows.push(...(await benchEndpoint(workDir, count('endpoint-channels'), count('endpoint-seconds') * 1000)))
    }
    // Last: writing and packing 2 GB would slow the disk for the stages after it.
    const rssBytes = Math.round(Number(flags['rss-mb']) * MB)
    if (only.has('pack') && rssBytes > 0) {
      const rssDir = join(workDir, 'rss-web')
      log(`generating a web bundle of ${count('pack-files')} files, ${flags['rss-mb']} MB, and packing it for its peak RSS`)
      await generateWebBundle(rssDir, { files: count('pack-files'), bytes: rssBytes, seed: 3 })
      // Shown with the pack's rows.
      rows.splice(rows.filter((row) => row.stage === 'pack').length, 0, await benchPackRss(rssDir, workDir, rssBytes))
      await rm(rssDir, { recursive: true, force: true })
    }
    const table = renderTable(rows)
    console.log(table)
    const info = machine()
    console.log(`\nnproc ${info.nproc}, ${info.cpu}, node ${info.node}`)
    await writeFile(flags.out!, JSON.stringify({ date: new Date().toISOString(), machine: info, flags, rows }, null, 2) + '\n')
  } finally {
    if (flags.keep) log(`data kept in ${workDir}`)
    else await rm(workDir, { recursive: true, force: true })
  }
}

await main()
