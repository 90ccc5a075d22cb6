import semver from 'semver'

/**
 * Whether moving a channel from `current` to `candidate` goes forward by semver
 * precedence. A publish moves a pointer only forward; an explicit rollback is the one
 * caller that may bypass this (PublishRequest.allowBackward).
 */
export function isForward(current: string, candidate: string): boolean {
  // A pointer written by something else, with a version that is not semver, cannot be ordered: the publish may replace it.
  if (!semver.valid(current) || !semver.valid(candidate)) return true
  return semver.gt(candidate, current)
}
