import installCapgoCli from './capgo-cli.mjs'
import { useMemoryTempDir } from './temp-dir.mjs'

// Runs in jest's main process before the workers start, so they inherit TMPDIR.
export default function globalSetup() {
  useMemoryTempDir()
  installCapgoCli()
}
