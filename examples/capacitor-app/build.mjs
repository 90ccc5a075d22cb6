// Builds the web app into dist/ without any network or dependency: copies the pages and
// assets, and stamps the version from package.json into the script.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const { version } = JSON.parse(readFileSync('package.json', 'utf8'))
rmSync('dist', { recursive: true, force: true })
mkdirSync('dist', { recursive: true })
cpSync('src', 'dist', { recursive: true })
const app = readFileSync('src/app.js', 'utf8').replace('__APP_VERSION__', version)
writeFileSync('dist/app.js', app)
console.log(`built dist/ (version ${version})`)
