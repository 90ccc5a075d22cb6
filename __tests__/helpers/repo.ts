import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** A real git repository in a temporary folder, with a Capacitor-like app and a node_modules tree. */
export class TestRepo {
  readonly dir = mkdtempSync(join(tmpdir(), 'repo-'))

  /*
   * Each process a jest worker starts costs a fork of the whole worker, and the suite makes
   * hundreds of repositories and commits: the identity is written into .git/config as
   * `git config` would write it, no hook samples are copied, a commit starts no
   * `git maintenance run --auto` (a repository of a few commits never needs one), and a
   * commit's id is read from its branch's ref file.
   */
  constructor() {
    this.git('init', '-q', '-b', 'main', '--template=')
    appendFileSync(join(this.dir, '.git', 'config'), '[user]\n\temail = test@example.com\n\tname = Test\n[commit]\n\tgpgsign = false\n[maintenance]\n\tauto = false\n')
    writeFileSync(join(this.dir, '.gitignore'), 'node_modules/\ndist/\n')
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8' }).trim()
  }

  write(path: string, content: string): this {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true })
    writeFileSync(join(this.dir, path), content)
    return this
  }

  remove(path: string): this {
    rmSync(join(this.dir, path), { recursive: true, force: true })
    return this
  }

  commit(message: string): string {
    // One shell for both: a git the shell starts costs less than one this process starts.
    execFileSync('sh', ['-c', 'git add -A && git commit -q --allow-empty -m "$1"', 'sh', message], { cwd: this.dir })
    return this.head()
  }

  /** HEAD's commit id: from the ref file HEAD names, or HEAD itself when detached; git rev-parse for a packed ref. */
  private head(): string {
    const head = readFileSync(join(this.dir, '.git', 'HEAD'), 'utf8').trim()
    if (!head.startsWith('ref: ')) return head
    const ref = join(this.dir, '.git', head.slice('ref: '.length))
    return existsSync(ref) ? readFileSync(ref, 'utf8').trim() : this.git('rev-parse', 'HEAD')
  }

  /** An installed package; `native` gives it an ios/ folder and a podspec, as plugins have. */
  installPackage(name: string, version: string, native = false, nativeSource = '// native'): this {
    const root = `node_modules/${name}`
    this.write(`${root}/package.json`, JSON.stringify({ name, version, ...(native ? { capacitor: { ios: { src: 'ios' } } } : {}) }))
    this.write(`${root}/index.js`, 'module.exports = {}\n')
    if (native) {
      this.write(`${root}/ios/Plugin/Plugin.swift`, nativeSource)
      this.write(`${root}/${name.replace(/\W/g, '')}.podspec`, `Pod::Spec.new { |s| s.version = '${version}' }`)
    }
    return this
  }

  /** package.json and package-lock.json naming what node_modules holds. */
  writeManifests(packages: Record<string, string>): this {
    this.write('package.json', JSON.stringify({ name: 'app', version: '1.0.0', scripts: { build: 'node build.mjs' }, dependencies: packages }, null, 2))
    const lockPackages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies: packages } }
    for (const [name, version] of Object.entries(packages)) lockPackages[`node_modules/${name}`] = { version }
    this.write('package-lock.json', JSON.stringify({ name: 'app', lockfileVersion: 3, packages: lockPackages }, null, 2))
    return this
  }

  /** A small Capacitor app: config, web build, native projects with copied web assets. */
  capacitorApp(plugins: Record<string, string> = { '@capacitor/camera': '6.0.0' }): this {
    this.write('capacitor.config.json', JSON.stringify({ appId: 'com.example.repo', webDir: 'dist' }))
    this.write('build.mjs', "import { mkdirSync, writeFileSync } from 'node:fs'\nmkdirSync('dist', { recursive: true })\nwriteFileSync('dist/index.html', '<p>app</p>')\n")
    this.write('src/main.js', 'console.log(1)\n')
    this.write('ios/App/Podfile', "platform :ios, '14.0'\n")
    this.write('ios/App/App/AppDelegate.swift', 'import UIKit\n')
    this.write('ios/App/App/public/index.html', '<p>copied</p>')
    this.write('android/app/build.gradle', 'apply plugin: "com.android.application"\nandroid {\n  defaultConfig {\n    versionCode 1\n    versionName "1.0"\n  }\n}\n')
    this.write('android/app/src/main/assets/public/index.html', '<p>copied</p>')
    this.installPackage('@capacitor/core', '6.0.0').installPackage('lodash', '4.17.20')
    for (const [name, version] of Object.entries(plugins)) this.installPackage(name, version, true)
    this.writeManifests({ '@capacitor/core': '6.0.0', lodash: '4.17.20', ...plugins })
    this.write('dist/index.html', '<p>app</p>')
    return this
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
