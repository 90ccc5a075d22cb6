// Puts the suite's temporary files in memory when the machine has a large tmpfs.
// The tests create and delete some hundred thousand files and folders (git repositories,
// s3rver's store, unpacked bundles). On ext4, each new inode is searched for past the
// recently deleted ones: measured, a fifth of the suite's CPU went to that search.
// An explicit TMPDIR is kept as it is.
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs'
import { join } from 'node:path'

const MEMORY_FILESYSTEM = '/dev/shm'
const NAME = 'live-update-action-tests-'
const MIN_FREE_BYTES = 2 * 1024 ** 3

export function useMemoryTempDir() {
  if (process.env.TMPDIR || !hasRoom()) return
  removeAbandoned()
  process.env.TMPDIR = mkdtempSync(join(MEMORY_FILESYSTEM, `${NAME}${process.pid}-`))
}

export function removeMemoryTempDir() {
  const dir = process.env.TMPDIR
  if (dir?.startsWith(join(MEMORY_FILESYSTEM, `${NAME}${process.pid}-`))) rmSync(dir, { recursive: true, force: true })
}

function hasRoom() {
  try {
    const { bavail, bsize } = statfsSync(MEMORY_FILESYSTEM)
    return bavail * bsize >= MIN_FREE_BYTES
  } catch {
    return false
  }
}

// A run that was killed leaves its folder behind, and memory stays taken until it is removed.
function removeAbandoned() {
  for (const entry of readdirSync(MEMORY_FILESYSTEM)) {
    const pid = Number(entry.startsWith(NAME) && entry.slice(NAME.length).split('-')[0])
    if (pid && !isRunning(pid)) rmSync(join(MEMORY_FILESYSTEM, entry), { recursive: true, force: true })
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}
