import semver from 'semver'
import { UserError } from './errors.js'

const SEGMENT = /^[A-Za-z0-9._-]+$/

/**
 * App ids, channels and versions become path segments (and S3 keys) in the registry:
 * only a safe alphabet, and never `.`/`..`, so no value can climb out of its folder.
 */
export function checkSegment(input: string, value: string, fix: string): string {
  if (!SEGMENT.test(value) || value.includes('..') || value === '.') {
    throw new UserError(
      `The ${input} "${value}" may only use letters, digits, ".", "_" and "-" (and no ".."): ${fix}.`
    )
  }
  if (value.length > 128) {
    throw new UserError(`The ${input} "${value.slice(0, 40)}…" is longer than 128 characters: ${fix}.`)
  }
  return value
}

export function checkVersion(input: string, value: string): string {
  const cleaned = value.startsWith('v') ? value.slice(1) : value
  if (semver.valid(cleaned) !== cleaned) {
    throw new UserError(
      `The ${input} "${value}" is not a semantic version: use a version like 1.2.3 or 1.2.3-beta.1.`
    )
  }
  return checkSegment(input, cleaned, 'use a version like 1.2.3')
}
