/**
 * Runs the action's pack alone in its own process, so its peak RSS is the pack's own and
 * not the bench's: `node pack-child.js <web dir> <archive>` prints one JSON line.
 */
import { packWebDir } from '../src/bundle/pack.js'

const [webDir, archivePath] = process.argv.slice(2)
const start = process.hrtime.bigint()
const cpuStart = process.cpuUsage()
const bundle = await packWebDir(webDir, archivePath)
const ms = Number(process.hrtime.bigint() - start) / 1e6
// Every thread's CPU time (the workers' too), in milliseconds.
const cpu = process.cpuUsage(cpuStart)
const cpuMs = (cpu.user + cpu.system) / 1e3
// maxRSS is in kilobytes.
const maxRssBytes = process.resourceUsage().maxRSS * 1024
console.log(JSON.stringify({ ms, cpuMs, maxRssBytes, checksum: bundle.checksum, size: bundle.size, files: bundle.files.length }))
