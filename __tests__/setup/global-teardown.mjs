import { removeMemoryTempDir } from './temp-dir.mjs'

export default function globalTeardown() {
  removeMemoryTempDir()
}
