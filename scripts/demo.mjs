// `npm run demo`: runs the committed action (dist/index.js) on the example app as a push
// of tag v1.0.0 would, publishing to the folder registry .live-updates/ (git-ignored).
import { spawnSync, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
const temp = mkdtempSync(join(tmpdir(), 'live-update-demo-'))
const tag = process.env.DEMO_TAG ?? 'v1.0.0'
let sha = '0000000000000000000000000000000000000000'
try {
  sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
} catch {}

const eventPath = join(temp, 'event.json')
writeFileSync(eventPath, JSON.stringify({ ref: `refs/tags/${tag}`, after: sha, created: true, repository: { full_name: 'example/live-update-demo' } }))
const outputPath = join(temp, 'output')
const summaryPath = join(temp, 'summary.md')
writeFileSync(outputPath, '')
writeFileSync(summaryPath, '')

const env = {
  ...process.env,
  'INPUT_WORKING-DIRECTORY': 'examples/capacitor-app',
  'INPUT_REGISTRY-PATH': '.live-updates',
  INPUT_COMMENT: 'false',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_EVENT_PATH: eventPath,
  GITHUB_REF: `refs/tags/${tag}`,
  GITHUB_SHA: sha,
  GITHUB_RUN_NUMBER: '1',
  GITHUB_REPOSITORY: 'example/live-update-demo',
  GITHUB_OUTPUT: outputPath,
  GITHUB_STEP_SUMMARY: summaryPath,
  RUNNER_TEMP: temp
}
console.log(`Running dist/index.js on examples/capacitor-app as a push of tag ${tag}…\n`)
const action = spawnSync(process.execPath, [join(root, 'dist/index.js')], { cwd: root, env, stdio: 'inherit' })

const outputs = {}
for (const match of readFileSync(outputPath, 'utf8').matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]] = match[3]
console.log('\nOutputs:')
for (const [name, value] of Object.entries(outputs)) console.log(`  ${name.padEnd(12)} ${value}`)
if (outputs.published === 'true') {
  const pointerPath = join(root, '.live-updates', 'com.example.liveupdate', 'channels', `${outputs.channel}.json`)
  console.log(`\nChannel pointer ${pointerPath.slice(root.length + 1)} (what devices fetch):`)
  console.log(readFileSync(pointerPath, 'utf8'))
}
rmSync(temp, { recursive: true, force: true })
process.exit(action.status ?? 1)
