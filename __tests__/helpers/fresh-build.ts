import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { repoRoot } from './repo-root.js'
import { isTempName, ownTempName, testCacheDir } from './test-cache.js'

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => join(dir, file)).filter((file) => file.endsWith('.ts')).sort()
}

const builds = new Map<string, Promise<string>>()

/**
 * The folder a build script of the repository (scripts/bundle.mjs for dist/,
 * scripts/build-endpoint.mjs for endpoint/dist/) writes when given `--outdir`, made from the
 * current src into node_modules/.cache under a hash of what decides its bytes: tests never
 * run a stale committed build by accident, and a build is made once for all test files.
 */
export function freshBuildOf(script: 'bundle.mjs' | 'build-endpoint.mjs'): Promise<string> {
  // Concurrent runs in one worker (the race tests) share one build.
  let building = builds.get(script)
  if (!building) builds.set(script, (building = buildOnce(script)))
  return building
}

async function buildOnce(script: string): Promise<string> {
  const hash = createHash('sha256')
  for (const file of [...sourceFiles(join(repoRoot, 'src')), ...['package.json', 'package-lock.json', 'tsconfig.json', `scripts/${script}`].map((f) => join(repoRoot, f))]) {
    hash.update(file.slice(repoRoot.length)).update(readFileSync(file))
  }
  const name = script.replace(/\.mjs$/, '')
  const out = join(testCacheDir, 'live-update-action', `${name}-${hash.digest('hex').slice(0, 16)}`)
  const done = () => existsSync(join(out, '.complete'))
  if (done()) return out
  mkdirSync(join(out, '..'), { recursive: true })
  // One jest worker builds, the others wait for it: two builds at once on two cores take twice as long.
  const lock = `${out}.lock`
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (done()) return out
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  try {
    if (done()) return out
    const temp = ownTempName(out)
    rmSync(temp, { recursive: true, force: true })
    await promisify(execFile)(process.execPath, [join(repoRoot, 'scripts', script), '--outdir', temp], { cwd: repoRoot })
    mkdirSync(join(temp, '.complete'))
    rmSync(out, { recursive: true, force: true })
    renameSync(temp, out)
    // Builds of sources that are no longer there are of no use to anyone.
    for (const old of readdirSync(join(out, '..'))) {
      if (old !== basename(out) && old.startsWith(`${name}-`) && !old.endsWith('.lock') && !isTempName(old)) rmSync(join(out, '..', old), { recursive: true, force: true })
    }
    return out
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}
