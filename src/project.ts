import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { capacitorConfigValue } from './eligibility/config.js'
import { UserError } from './errors.js'
import { declaredManager, LOCKFILES, NODE_MODULES_MARKERS, pickLockfile, type PackageManager } from './package-manager.js'

/** What the action learns from the app's folder before it builds anything. */
export interface Project {
  dir: string
  packageJson?: { name?: string; version?: string; scripts?: Record<string, string> }
  packageManager: PackageManager
  /** The file that named the app id and web dir, when one did. */
  configFile?: string
  appId?: string
  webDir?: string
}

export const CAPACITOR_CONFIGS = ['capacitor.config.json', 'capacitor.config.ts', 'capacitor.config.js', 'capacitor.config.mjs', 'capacitor.config.cjs']

function detectPackageManager(dir: string, packageJson?: { packageManager?: string }): PackageManager {
  const declared = declaredManager(packageJson?.packageManager)
  const installedBy = NODE_MODULES_MARKERS.find((m) => existsSync(join(dir, m.file)))?.manager
  const present = LOCKFILES.filter((l) => existsSync(join(dir, l.file))).map((l) => l.file)
  return pickLockfile(present, declared, installedBy)?.manager ?? declared ?? installedBy ?? 'npm'
}

/** A string property of a config written in TS/JS, read as data without running the config (comments are not read). */
function stringProperty(file: string, source: string, name: string): string | undefined {
  const read = capacitorConfigValue(file, source)
  const value = 'value' in read && read.value && typeof read.value === 'object' && !Array.isArray(read.value) ? read.value[name] : undefined
  return typeof value === 'string' ? value : undefined
}

function readCapacitorConfig(dir: string): Pick<Project, 'configFile' | 'appId' | 'webDir'> | undefined {
  for (const file of CAPACITOR_CONFIGS) {
    const path = join(dir, file)
    if (!existsSync(path)) continue
    const source = readFileSync(path, 'utf8')
    if (file.endsWith('.json')) {
      let config: { appId?: string; webDir?: string }
      try {
        config = JSON.parse(source)
      } catch (error) {
        throw new UserError(`${file} is not valid JSON (${(error as Error).message}): fix the file or give the app-id and web-dir inputs.`)
      }
      return { configFile: file, appId: config.appId, webDir: config.webDir }
    }
    return { configFile: file, appId: stringProperty(file, source, 'appId'), webDir: stringProperty(file, source, 'webDir') }
  }
  return undefined
}

function readCordovaConfig(dir: string): Pick<Project, 'configFile' | 'appId' | 'webDir'> | undefined {
  const path = join(dir, 'config.xml')
  if (!existsSync(path)) return undefined
  const id = /<widget\b[^>]*\bid\s*=\s*"([^"]+)"/.exec(readFileSync(path, 'utf8'))?.[1]
  return { configFile: 'config.xml', appId: id, webDir: 'www' }
}

export function readProject(dir: string): Project {
  if (!existsSync(dir)) {
    throw new UserError(`The working-directory "${dir}" does not exist: set working-directory to the app's folder.`)
  }
  let packageJson: (Project['packageJson'] & { packageManager?: string }) | undefined
  const packagePath = join(dir, 'package.json')
  if (existsSync(packagePath)) {
    try {
      packageJson = JSON.parse(readFileSync(packagePath, 'utf8'))
    } catch (error) {
      throw new UserError(`${packagePath} is not valid JSON (${(error as Error).message}): fix the file.`)
    }
  }
  const config = readCapacitorConfig(dir) ?? readCordovaConfig(dir)
  return { dir, packageJson, packageManager: detectPackageManager(dir, packageJson), ...config }
}
