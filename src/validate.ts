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

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/

/** S3's bucket naming rules: a name only, never a host, port or path (the endpoint has its own input). */
export function checkBucket(value: string): string {
  if (!BUCKET.test(value) || value.includes('..') || IP_ADDRESS.test(value)) {
    throw new UserError(
      `The s3-bucket input "${value.slice(0, 80)}" is not a bucket name: give the bucket's name only (3 to 63 lower-case letters, digits, "." and "-"), and a custom server's URL in s3-endpoint.`
    )
  }
  return value
}

/** Folders below the bucket's root: each one a safe segment, so no prefix climbs into another tree. */
export function checkPrefix(value: string): string {
  const trimmed = value.replace(/^\/+|\/+$/g, '')
  if (trimmed && !trimmed.split('/').every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..') || trimmed.length > 512) {
    throw new UserError(
      `The s3-prefix input "${value.slice(0, 80)}" may only hold folder names of letters, digits, ".", "_" and "-" separated by "/", without "." or ".." folders: use a prefix such as live-updates/my-app.`
    )
  }
  return trimmed
}

/** A region name goes into the AWS hostname: only lower-case words joined by "-" (us-east-1, auto). */
export function checkRegion(input: string, value: string): string {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(value) || value.length > 32) {
    throw new UserError(`The ${input} "${value.slice(0, 80)}" is not a region name: use one such as eu-west-1 (or auto for Cloudflare R2).`)
  }
  return value
}

/** A whole number above zero, as an input gives it; undefined when unset. */
export function checkPositiveInteger(input: string, value: string | undefined, fix: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9]\d{0,5}$/.test(value)) throw new UserError(`The ${input} "${value}" is not a positive whole number: ${fix}.`)
  return Number(value)
}
