import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { codeLikeText, Random } from './random.js'
import { generateWebBundle } from './web-bundle.js'

export interface NativeProjectSpec {
  /** Installed packages in node_modules, native plugins included. */
  packages: number
  nativePlugins: number
  /** Size of the web build, copied into ios/ and android/ as Capacitor's `cap sync` does. */
  webFiles: number
  webBytes: number
  seed: number
}

export interface NativeProjectStats {
  files: number
  plugins: string[]
  /** Files the bench edits to see what a fingerprint notices. */
  probe: { pluginName: string; pluginNativeFile: string; copiedWebFile: string }
}

/** What a Capacitor project keeps out of git: installs, caches, build output, copied web assets. */
const GITIGNORE = ['node_modules/', 'dist/', 'ios/App/Pods/', 'ios/App/App/public/', 'android/app/build/', 'android/.gradle/',
  'android/app/src/main/assets/public/'].join('\n')

/** Writes files under one root and counts them. */
class TreeWriter {
  files = 0
  constructor(
    readonly root: string,
    private readonly random: Random
  ) {}

  async text(path: string, content: string): Promise<void> {
    await this.write(path, Buffer.from(content))
  }

  /** Source-like text of about `size` bytes. */
  async code(path: string, size: number): Promise<void> {
    await this.write(path, codeLikeText(this.random, size))
  }

  async binary(path: string, size: number): Promise<void> {
    await this.write(path, randomBytes(size))
  }

  private async write(path: string, bytes: Buffer): Promise<void> {
    const absolute = join(this.root, path)
    await mkdir(dirname(absolute), { recursive: true })
    await writeFile(absolute, bytes)
    this.files++
  }
}

const pascal = (name: string) => name.replace(/(^|[-/@])(\w)/g, (_m, _s, c: string) => c.toUpperCase())

function packageNames(count: number, native: number): { name: string; native: boolean }[] {
  const names: { name: string; native: boolean }[] = []
  for (let i = 0; i < count; i++) {
    const isNative = i < native
    const name = isNative
      ? i % 2 === 0 ? `@capacitor/plugin-${i}` : `capacitor-plugin-${i}`
      : i % 5 === 0 ? `@scope-${i % 40}/lib-${i}` : `lib-${i}`
    names.push({ name, native: isNative })
  }
  return names
}

async function writeJsPackage(tree: TreeWriter, random: Random, name: string, version: string): Promise<void> {
  const dir = `node_modules/${name}`
  await tree.text(`${dir}/package.json`, JSON.stringify({ name, version, main: 'index.js', license: 'MIT' }, null, 2))
  await tree.code(`${dir}/index.js`, 500 + random.int(4000))
  for (let f = 0; f < 2 + random.int(6); f++) await tree.code(`${dir}/lib/m${f}.js`, 300 + random.int(6000))
  await tree.text(`${dir}/README.md`, `# ${name}\n`)
  await tree.text(`${dir}/LICENSE`, 'MIT License\n')
}

async function writeNativePlugin(tree: TreeWriter, random: Random, name: string, version: string): Promise<void> {
  const dir = `node_modules/${name}`
  const type = pascal(name)
  const capacitor = { ios: { src: 'ios' }, android: { src: 'android' } }
  await tree.text(`${dir}/package.json`, JSON.stringify({ name, version, main: 'dist/plugin.cjs.js', capacitor, license: 'MIT' }, null, 2))
  for (const file of ['plugin.cjs.js', 'plugin.js', 'esm/index.js', 'esm/definitions.js', 'esm/web.js']) {
    await tree.code(`${dir}/dist/${file}`, 500 + random.int(3000))
  }
  await tree.text(`${dir}/${type}.podspec`, `Pod::Spec.new do |s|\n  s.name = '${type}'\n  s.version = '${version}'\n  s.source_files = 'ios/Sources/**/*.{swift,h,m}'\nend\n`)
  await tree.text(`${dir}/Package.swift`, `// swift-tools-version: 5.9\nimport PackageDescription\nlet package = Package(name: "${type}")\n`)
  for (const file of [`${type}.swift`, `${type}Plugin.swift`, `${type}Plugin.m`, `${type}Plugin.h`]) {
    await tree.code(`${dir}/ios/Sources/${type}/${file}`, 800 + random.int(6000))
  }
  await tree.text(`${dir}/android/build.gradle`, `apply plugin: 'com.android.library'\nandroid { namespace "com.example.${type.toLowerCase()}" }\n`)
  await tree.text(`${dir}/android/src/main/AndroidManifest.xml`, '<manifest xmlns:android="http://schemas.android.com/apk/res/android" />\n')
  for (const file of [`${type}.java`, `${type}Plugin.java`, `${type}Helper.kt`]) {
    await tree.code(`${dir}/android/src/main/java/com/example/${type.toLowerCase()}/${file}`, 800 + random.int(6000))
  }
}

async function writeIos(tree: TreeWriter, random: Random, plugins: string[]): Promise<void> {
  await tree.text('ios/.gitignore', 'App/build\nApp/Pods\nApp/output\nApp/App/public\nDerivedData\nxcuserdata\n')
  await tree.text('ios/App/Podfile', `platform :ios, '14.0'\ntarget 'App' do\n${plugins.map((p) => `  pod '${pascal(p)}', :path => '../../node_modules/${p}'\n`).join('')}end\n`)
  await tree.text('ios/App/Podfile.lock', plugins.map((p) => `  - ${pascal(p)} (1.0.0)\n`).join(''))
  await tree.code('ios/App/App.xcodeproj/project.pbxproj', 30_000)
  await tree.text('ios/App/App.xcodeproj/project.xcworkspace/contents.xcworkspacedata', '<Workspace version = "1.0"/>\n')
  await tree.text('ios/App/App.xcworkspace/contents.xcworkspacedata', '<Workspace version = "1.0"/>\n')
  for (const file of ['AppDelegate.swift', 'Info.plist', 'Base.lproj/LaunchScreen.storyboard', 'Base.lproj/Main.storyboard']) {
    await tree.code(`ios/App/App/${file}`, 1000 + random.int(3000))
  }
  await tree.text('ios/App/App/Assets.xcassets/AppIcon.appiconset/Contents.json', '{"images":[]}\n')
  await tree.binary('ios/App/App/Assets.xcassets/AppIcon.appiconset/AppIcon-512@2x.png', 120_000)
  for (const scale of ['', '-1', '-2']) await tree.binary(`ios/App/App/Assets.xcassets/Splash.imageset/splash-2732x2732${scale}.png`, 40_000)
  // Copied by `cap sync`: configuration and web assets, not native sources.
  await tree.text('ios/App/App/capacitor.config.json', '{"appId":"com.example.bench"}\n')
  await tree.text('ios/App/App/config.xml', '<widget />\n')
  // CocoaPods' dependency cache.
  for (const plugin of plugins) {
    for (let f = 0; f < 20; f++) await tree.code(`ios/App/Pods/${pascal(plugin)}/Sources/f${f}.swift`, 500 + random.int(2000))
  }
}

async function writeAndroid(tree: TreeWriter, random: Random, plugins: string[]): Promise<void> {
  for (const file of ['build.gradle', 'settings.gradle', 'variables.gradle', 'gradle.properties', 'capacitor.settings.gradle', 'gradlew', 'gradlew.bat']) {
    await tree.code(`android/${file}`, 300 + random.int(2000))
  }
  await tree.binary('android/gradle/wrapper/gradle-wrapper.jar', 60_000)
  await tree.text('android/gradle/wrapper/gradle-wrapper.properties', 'distributionUrl=gradle-8.2.1-all.zip\n')
  for (const file of ['build.gradle', 'capacitor.build.gradle', 'proguard-rules.pro', 'src/main/AndroidManifest.xml', 'src/main/java/com/example/bench/MainActivity.java']) {
    await tree.code(`android/app/${file}`, 300 + random.int(3000))
  }
  for (const file of ['values/strings.xml', 'values/styles.xml', 'xml/file_paths.xml', 'layout/activity_main.xml']) {
    await tree.code(`android/app/src/main/res/${file}`, 200 + random.int(1000))
  }
  for (const density of ['mdpi', 'hdpi', 'xhdpi', 'xxhdpi', 'xxxhdpi']) {
    for (const icon of ['ic_launcher.png', 'ic_launcher_round.png', 'ic_launcher_foreground.png']) {
      await tree.binary(`android/app/src/main/res/mipmap-${density}/${icon}`, 2000 + random.int(20_000))
    }
    await tree.binary(`android/app/src/main/res/drawable-port-${density}/splash.png`, 10_000 + random.int(40_000))
    await tree.binary(`android/app/src/main/res/drawable-land-${density}/splash.png`, 10_000 + random.int(40_000))
  }
  await tree.text('android/capacitor-cordova-android-plugins/build.gradle', "apply plugin: 'com.android.library'\n")
  await tree.text('android/capacitor-cordova-android-plugins/src/main/AndroidManifest.xml', '<manifest />\n')
  // Copied by `cap sync`.
  await tree.text('android/app/src/main/assets/capacitor.config.json', '{"appId":"com.example.bench"}\n')
  await tree.text('android/app/src/main/assets/capacitor.plugins.json', JSON.stringify(plugins.map((p) => ({ pkg: p }))))
  // Gradle's build output and caches.
  for (let f = 0; f < 1500; f++) await tree.code(`android/app/build/intermediates/c${f % 30}/f${f}.dex.txt`, 300 + random.int(2000))
  for (let f = 0; f < 200; f++) await tree.code(`android/.gradle/8.2.1/c${f % 10}/f${f}.bin`, 300 + random.int(2000))
}

/**
 * A Capacitor app as it stands in CI after `npm ci`, the web build and `cap sync`:
 * node_modules with JS packages and native plugins, ios/ and android/ with their sources,
 * their dependency caches and build output, and the web build copied into both.
 */
export async function generateNativeProject(root: string, spec: NativeProjectSpec): Promise<NativeProjectStats> {
  const random = new Random(spec.seed)
  const tree = new TreeWriter(root, random)
  const packages = packageNames(spec.packages, spec.nativePlugins)
  const version = (i: number) => `${1 + (i % 7)}.${i % 13}.${i % 5}`
  const dependencies = Object.fromEntries(packages.map((p, i) => [p.name, `^${version(i)}`]))
  await tree.text('package.json', JSON.stringify({ name: 'bench-app', version: '1.0.0', scripts: { build: 'vite build' }, dependencies }, null, 2))
  const lockPackages = Object.fromEntries(packages.map((p, i) => [`node_modules/${p.name}`, { version: version(i) }]))
  await tree.text('package-lock.json', JSON.stringify({ name: 'bench-app', lockfileVersion: 3, packages: { '': { name: 'bench-app' }, ...lockPackages } }, null, 2))
  await tree.text('capacitor.config.ts', "const config = { appId: 'com.example.bench', appName: 'Bench', webDir: 'dist' }\nexport default config\n")

  for (const [i, pkg] of packages.entries()) {
    if (pkg.native) await writeNativePlugin(tree, random, pkg.name, version(i))
    else await writeJsPackage(tree, random, pkg.name, version(i))
  }
  const plugins = packages.filter((p) => p.native).map((p) => p.name)
  await writeIos(tree, random, plugins)
  await writeAndroid(tree, random, plugins)

  const web = await generateWebBundle(join(root, 'dist'), { files: spec.webFiles, bytes: spec.webBytes, seed: spec.seed + 1 })
  await cp(join(root, 'dist'), join(root, 'ios/App/App/public'), { recursive: true })
  await cp(join(root, 'dist'), join(root, 'android/app/src/main/assets/public'), { recursive: true })
  await tree.text('.gitignore', `${GITIGNORE}\n`)
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], { cwd: root, stdio: 'ignore' })
  git('init', '-q')
  git('add', '-A')
  git('commit', '-qm', 'native build in users\' hands')
  const pluginName = plugins[0]
  const type = pascal(pluginName)
  const probe = { pluginName, pluginNativeFile: `node_modules/${pluginName}/ios/Sources/${type}/${type}Plugin.swift`, copiedWebFile: 'ios/App/App/public/index.html' }
  return { files: tree.files + 3 * web.files, plugins, probe }
}
