/**
 * Runs the action's pack alone in its own process, so its peak RSS is the pack's own and
 * not the bench's: `node pack-child.js <web dir> <archive>` prints one JSON line.
 */
import { readFileSync } from 'node:fs'
import { packWebDir } from '../src/bundle/pack.js'

const [webDir, archivePath] = process.argv.slice(2)
const start = process.hrtime.bigint()
const cpuStart = process.cpuUsage()
const bundle = await packWebDir(webDir, archivePath)
const ms = Number(process.hrtime.bigint() - start) / 1e6
// Every thread's CPU time (the workers' too), in milliseconds.
const cpu = process.cpuUsage(cpuStart)
const cpuMs = (cpu.user + cpu.system) / 1e3
/**
 * The peak RSS of this process's own memory: /proc/self/status VmHWM (kB), which exec
 * starts anew. getrusage's maxRSS is not: Linux carries over the high-water mark of the
 * process it was forked from, so a pack started by a large bench process would report
 * the bench's RSS (seen: 345 MB for a 108 MB pack).
 */
function peakRssBytes(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (hwm) return Number(hwm[1]) * 1024
  } catch {
    // Not Linux: getrusage's figure (in kilobytes), which elsewhere is the process's own.
  }
  return process.resourceUsage().maxRSS * 1024
}
const maxRssBytes = peakRssBytes()
console.log(JSON.stringify({ ms, cpuMs, maxRssBytes, checksum: bundle.checksum, size: bundle.size, files: bundle.files.length }))
