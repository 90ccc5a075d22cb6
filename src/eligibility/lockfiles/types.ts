/** One direct dependency of the app as a lockfile pins it. */
export interface LockedDependency {
  /** The installed version; for an npm alias, `<real name>@<version>`. */
  version: string
  /**
   * What pins the bytes beyond the version, as `kind:value`: `integrity:sha512-…`,
   * `checksum:…` (yarn berry), `git:<commit>`, `tarball:<url>`, `local:<path>`.
   */
  identity?: string
  /** For a `link:`/`file:` dependency: its folder, relative to the lockfile's folder. */
  local?: string
}

/** The app's direct dependencies (dependencies, devDependencies, optionalDependencies) as its manifest asks for them. */
export type DirectDependencies = Map<string, string>

export type LockedDependencies = Map<string, LockedDependency>

/** A lockfile's text read for one importer (the app's folder relative to the lockfile's, `.` for the same folder). */
export type LockfileParser = (text: string, importer: string, direct: DirectDependencies) => LockedDependencies

const COMMIT = /\b[0-9a-f]{40}\b/

/**
 * The identity a resolved URL or integrity stands for. A GitHub tarball of a commit and a
 * git URL of the same commit are the same source, whichever format wrote it.
 */
export function identityOf(resolved: string | undefined, integrity?: string): string | undefined {
  const gitLike = resolved !== undefined && (/^(git\+|git:|github:|ssh:)/.test(resolved) || /codeload\.github\.com|github\.com\/.*\/(tarball|archive)\//.test(resolved) || (/#[0-9a-f]{40}$/.test(resolved) && !/\.tgz#/.test(resolved)))
  const commit = gitLike ? COMMIT.exec(resolved)?.[0] : undefined
  if (commit) return `git:${commit}`
  if (gitLike) return `git:${resolved}`
  if (integrity) return `integrity:${integrity}`
  // A registry tarball (`…/-/name-1.0.0.tgz`) is the version itself, whichever mirror served it.
  if (resolved && /^https?:/.test(resolved) && !/\/-\/[^/]+\.tgz(#.*)?$/.test(resolved)) return `tarball:${resolved.replace(/#.*$/, '')}`
  return undefined
}

/** A `link:`/`file:`/`portal:` spec as a local folder, or undefined for anything else (a `file:` tarball is not a folder). */
export function localFolder(spec: string): string | undefined {
  const match = /^(?:link|file|portal):(.+)$/.exec(spec)
  if (!match || /\.(tgz|tar\.gz|tar)$/.test(match[1])) return undefined
  return match[1].replace(/^\.\//, '').replace(/\/$/, '') || '.'
}
