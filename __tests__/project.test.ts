import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildCommandFor } from '../src/build.js'
import { readProject } from '../src/project.js'

describe('readProject', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'project-'))
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.0', scripts: { build: 'vite build' } }))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['package-lock.json', 'npm'],
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['bun.lock', 'bun'],
    ['bun.lockb', 'bun']
  ])('tells the package manager from %s', (lockfile, manager) => {
    writeFileSync(join(dir, lockfile), '')
    const project = readProject(dir)
    expect(project.packageManager).toBe(manager)
    expect(buildCommandFor(project, undefined)).toEqual({ kind: 'run', command: `${manager} run build`, shell: false })
  })

  it('falls back to the packageManager field, then npm', () => {
    expect(readProject(dir).packageManager).toBe('npm')
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ packageManager: 'pnpm@9.1.0' }))
    expect(readProject(dir).packageManager).toBe('pnpm')
  })

  it('reads the appId the config exports, not one in a comment or another object', () => {
    writeFileSync(join(dir, 'capacitor.config.ts'), [
      "import type { CapacitorConfig } from '@capacitor/cli'",
      "// appId: 'com.example.old'",
      "const live = { appId: 'com.example.other' }",
      'const config: CapacitorConfig = {',
      "  appId: 'com.example.app',",
      "  webDir: 'dist',",
      '}',
      'export default config'
    ].join('\n'))
    expect(readProject(dir)).toMatchObject({ appId: 'com.example.app', webDir: 'dist' })
  })

  it('reads appId and webDir from capacitor.config.ts without running it', () => {
    writeFileSync(join(dir, 'capacitor.config.ts'), `import type { CapacitorConfig } from '@capacitor/cli'\nconst config: CapacitorConfig = {\n  appId: 'io.ionic.starter',\n  appName: 'x',\n  webDir: "www"\n}\nexport default config\n`)
    expect(readProject(dir)).toMatchObject({ configFile: 'capacitor.config.ts', appId: 'io.ionic.starter', webDir: 'www' })
  })

  it('reads the widget id of a Cordova config.xml', () => {
    writeFileSync(join(dir, 'config.xml'), '<?xml version="1.0"?>\n<widget id="com.example.cordova" version="1.0.0" xmlns="http://www.w3.org/ns/widgets"></widget>')
    expect(readProject(dir)).toMatchObject({ configFile: 'config.xml', appId: 'com.example.cordova', webDir: 'www' })
  })

  it('names the file when capacitor.config.json is not JSON', () => {
    writeFileSync(join(dir, 'capacitor.config.json'), '{ appId: ')
    expect(() => readProject(dir)).toThrow(/^capacitor\.config\.json is not valid JSON .*: fix the file or give the app-id and web-dir inputs\.$/)
  })

  it('skips the build with none, or without a build script, and runs a custom command in a shell', () => {
    const project = readProject(dir)
    expect(buildCommandFor(project, null)).toEqual({ kind: 'skipped', reason: 'build-command is none' })
    expect(buildCommandFor(project, 'make web')).toEqual({ kind: 'run', command: 'make web', shell: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.0' }))
    expect(buildCommandFor(readProject(dir), undefined)).toMatchObject({ kind: 'skipped' })
  })

  it('names a missing working-directory', () => {
    expect(() => readProject(join(dir, 'nope'))).toThrow(/The working-directory ".*nope" does not exist: set working-directory to the app's folder\./)
  })
})
