import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser'
import { identityOf, localFolder, type LockedDependencies, type LockfileParser } from './types.js'

interface BunWorkspace {
  name?: string
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

interface BunLockfile {
  lockfileVersion?: number
  workspaces?: Record<string, BunWorkspace>
  packages?: Record<string, unknown[]>
}

/** bun.lock (text, JSON with trailing commas, bun 1.2+); bun.lockb is binary and not read. */
export const parseBun: LockfileParser = (text, importer) => {
  const errors: ParseError[] = []
  const lock = parse(text, errors, { allowTrailingComma: true }) as BunLockfile
  if (errors.length > 0) throw new Error(`${printParseErrorCode(errors[0].error)} at offset ${errors[0].offset}`)
  const workspace = lock.workspaces?.[importer === '.' ? '' : importer]
  if (!workspace) throw new Error(`no workspace ${importer}`)
  const result: LockedDependencies = new Map()
  const groups = [workspace.dependencies, workspace.devDependencies, workspace.optionalDependencies]
  for (const name of groups.flatMap((group) => Object.keys(group ?? {}))) {
    const entry = lock.packages?.[`${workspace.name}/${name}`] ?? lock.packages?.[name]
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue
    const at = entry[0].indexOf('@', 1)
    const [resolvedName, reference] = [entry[0].slice(0, at), entry[0].slice(at + 1)]
    const local = localFolder(reference) ?? (reference.startsWith('workspace:') ? reference.slice('workspace:'.length) : undefined)
    if (local) {
      result.set(name, { version: '', identity: `local:${local}`, local })
      continue
    }
    const registry = /^\d/.test(reference)
    const integrity = registry ? entry[3] : undefined
    const version = registry ? (resolvedName !== name ? `${resolvedName}@${reference}` : reference) : ''
    result.set(name, { version, identity: identityOf(registry ? undefined : reference, typeof integrity === 'string' ? integrity : undefined) })
  }
  return result
}
