export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun'

/**
 * Every lockfile the action knows, in the order it prefers them when nothing says which is in
 * use: the one list for the build (project.ts) and the eligibility check (eligibility/lockfile.ts).
 */
export const LOCKFILES = [
  { file: 'bun.lock', manager: 'bun' },
  { file: 'bun.lockb', manager: 'bun' },
  { file: 'pnpm-lock.yaml', manager: 'pnpm' },
  { file: 'yarn.lock', manager: 'yarn' },
  { file: 'npm-shrinkwrap.json', manager: 'npm' },
  { file: 'package-lock.json', manager: 'npm' }
] as const satisfies readonly { file: string; manager: PackageManager }[]

/** A lockfile's name, one of LOCKFILES. */
export type LockfileName = (typeof LOCKFILES)[number]['file']

/** Files a package manager leaves in node_modules: which one installed it. */
export const NODE_MODULES_MARKERS: { file: string; manager: PackageManager }[] = [
  { file: 'node_modules/.modules.yaml', manager: 'pnpm' },
  { file: 'node_modules/.package-lock.json', manager: 'npm' },
  { file: 'node_modules/.yarn-state.yml', manager: 'yarn' },
  { file: 'node_modules/.yarn-integrity', manager: 'yarn' }
]

/** The manager a package.json's `packageManager` field names (`pnpm@9.1.0+sha…`). */
export function declaredManager(packageManagerField: unknown): PackageManager | undefined {
  const name = typeof packageManagerField === 'string' ? packageManagerField.split('@')[0] : undefined
  return LOCKFILES.find((l) => l.manager === name)?.manager
}

export interface LockfilePick {
  file: string
  manager: PackageManager
  /** Why this one, in words for the log. */
  why: string
}

/**
 * The lockfile in use among those in one folder: the one the `packageManager` field names,
 * else the one of the manager that installed node_modules, else the only one, else the first
 * by preference (a leftover package-lock.json beside another lockfile is the usual stray).
 */
export function pickLockfile(present: string[], declared?: PackageManager, installedBy?: PackageManager): LockfilePick | undefined {
  const candidates = LOCKFILES.filter((l) => present.includes(l.file))
  if (candidates.length === 0) return undefined
  const others = (chosen: string) => {
    const rest = candidates.filter((c) => c.file !== chosen).map((c) => c.file)
    return rest.length ? `; ${rest.join(', ')} ignored` : ''
  }
  const byDeclared = candidates.find((c) => c.manager === declared)
  if (byDeclared) return { ...byDeclared, why: `package.json's packageManager names ${declared}${others(byDeclared.file)}` }
  const byMarker = candidates.find((c) => c.manager === installedBy)
  if (byMarker) return { ...byMarker, why: `node_modules was installed by ${installedBy}${others(byMarker.file)}` }
  if (candidates.length === 1) return { ...candidates[0], why: 'the only lockfile' }
  return { ...candidates[0], why: `nothing says which lockfile is in use, so the first of ${candidates.map((c) => c.file).join(', ')} (set packageManager in package.json to choose)` }
}
