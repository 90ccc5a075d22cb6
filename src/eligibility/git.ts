import { execFile, spawn } from 'node:child_process'

/** Git, as the eligibility check needs it: read files at a ref without touching the work tree. */
export interface GitPort {
  /** Runs git; resolves to undefined when it exits non-zero (no repo, unknown ref). */
  run(args: string[]): Promise<string | undefined>
  /** Contents of blobs by object id, in one `git cat-file --batch`. */
  blobs(ids: string[]): Promise<Map<string, Buffer>>
}

/** Git in a folder; `env` is the environment port's (GIT_* variables reach git only through it), else this process's. */
export function gitAt(cwd: string, env?: NodeJS.ProcessEnv): GitPort {
  return {
    run: (args) =>
      new Promise((resolve) => {
        execFile('git', args, { cwd, env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout))
      }),
    blobs: (ids) =>
      new Promise((resolve, reject) => {
        const child = spawn('git', ['cat-file', '--batch'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] })
        const chunks: Buffer[] = []
        child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
        child.on('error', reject)
        child.on('close', () => {
          const out = Buffer.concat(chunks)
          const result = new Map<string, Buffer>()
          let at = 0
          while (at < out.length) {
            const headerEnd = out.indexOf(0x0a, at)
            const [id, type, size] = out.subarray(at, headerEnd).toString('utf8').split(' ')
            if (type === 'missing' || size === undefined) {
              at = headerEnd + 1
              continue
            }
            const start = headerEnd + 1
            result.set(id, out.subarray(start, start + Number(size)))
            at = start + Number(size) + 1
          }
          resolve(result)
        })
        child.stdin.end(ids.map((id) => `${id}\n`).join(''))
      })
  }
}
