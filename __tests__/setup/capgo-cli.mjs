// Installs the pinned @capgo/cli once per node_modules, for the test that reads its --help.
// It cannot be a devDependency: two of its optional packages (@capgo/cli-helper-darwin-*)
// are not on the npm registry, so no lockfile that holds it passes `npm ci`.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const version = /CAPGO_CLI_VERSION = '([^']+)'/.exec(readFileSync(join(repoRoot, 'src', 'backends', 'capgo-cli.ts'), 'utf8'))[1]
export const capgoCliPrefix = join(repoRoot, 'node_modules', '.cache', `capgo-cli-${version}`)

export default function installCapgoCli() {
  if (existsSync(join(capgoCliPrefix, 'node_modules', '.bin', 'capgo'))) return
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', capgoCliPrefix, `@capgo/cli@${version}`], {
    stdio: 'inherit',
    timeout: 300_000
  })
}
