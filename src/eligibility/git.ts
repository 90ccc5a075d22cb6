import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** Git, as the eligibility check needs it: read files at a ref without touching the work tree. */
export interface GitPort {
  /** Runs git; resolves to undefined when it exits non-zero (no repo, unknown ref). */
  run(args: string[]): Promise<string | undefined>
  /** Contents of blobs by object id. */
  blobs(ids: string[]): Promise<Map<string, Buffer>>
  /** What `git show <object>` prints (a file at a ref: `<ref>:<path>`); undefined when it exits non-zero. */
  show(object: string): Promise<string | undefined>
  /** Ends the `git cat-file --batch` that blobs and show share; a check calls it once it is done. */
  close(): void
}

const MAX_OUTPUT_BYTES = 256 * 1024 * 1024

/** An object as `git cat-file --batch` prints it, or missing (an unknown or ambiguous name). */
type BatchAnswer = { type: string; data: Buffer } | 'missing'

/**
 * One `git cat-file --batch` for all the reads of a check: each read was a git process of
 * its own. Answers come in the order of the names asked. `undefined` is no answer: git
 * could not start or ended (not a repository), and `failure` says why it could not start.
 */
class CatFileBatch {
  private readonly child
  private readonly waiting: ((answer: BatchAnswer | undefined) => void)[] = []
  /** Output not parsed yet. */
  private unread: Buffer[] = []
  /** The header of the object whose bytes are being read. */
  private object: { type: string; size: number } | undefined
  private ended = false
  failure: Error | undefined

  constructor(cwd: string, env: NodeJS.ProcessEnv | undefined) {
    this.child = spawn('git', ['cat-file', '--batch'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] })
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.unread.push(chunk)
      this.parse()
    })
    this.child.on('error', (error) => {
      this.failure = error
      this.end()
    })
    this.child.on('close', () => this.end())
    // Writing to a git that has exited (not a repository) is answered by `close`, not an error.
    this.child.stdin.on('error', () => undefined)
  }

  ask(name: string): Promise<BatchAnswer | undefined> {
    if (this.ended) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      this.waiting.push(resolve)
      this.child.stdin.write(`${name}\n`)
    })
  }

  close(): void {
    this.child.stdin.end()
  }

  private end(): void {
    this.ended = true
    for (const resolve of this.waiting.splice(0)) resolve(undefined)
  }

  /** The unread output as one buffer (joined only when it came in several chunks). */
  private joined(): Buffer {
    if (this.unread.length > 1) this.unread = [Buffer.concat(this.unread)]
    return this.unread[0] ?? Buffer.alloc(0)
  }

  private take(length: number): Buffer {
    const all = this.joined()
    this.unread = all.length > length ? [all.subarray(length)] : []
    return all.subarray(0, length)
  }

  /** Answers each object whose header and bytes (and the newline after them) have all come. */
  private parse(): void {
    for (;;) {
      if (this.object) {
        const { type, size } = this.object
        if (this.unread.reduce((sum, chunk) => sum + chunk.length, 0) < size + 1) return
        this.object = undefined
        this.waiting.shift()?.({ type, data: this.take(size + 1).subarray(0, size) })
        continue
      }
      const headerEnd = this.joined().indexOf(0x0a)
      if (headerEnd < 0) return
      const header = this.take(headerEnd + 1).subarray(0, headerEnd).toString('utf8')
      // `<oid> <type> <size>`, else `<name> missing` or `<name> ambiguous`.
      const [, type, size] = /^\S+ (\S+) (\d+)$/.exec(header) ?? []
      if (type === undefined) this.waiting.shift()?.('missing')
      else this.object = { type, size: Number(size) }
    }
  }
}

/** Git in a folder; `env` is the environment port's (GIT_* variables reach git only through it), else this process's. */
export function gitAt(cwd: string, env?: NodeJS.ProcessEnv): GitPort {
  let batch: CatFileBatch | undefined
  const run = (args: string[]) =>
    new Promise<string | undefined>((resolve) => {
      execFile('git', args, { cwd, env, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout))
    })
  const started = () => (batch ??= new CatFileBatch(cwd, env))
  return {
    run,
    async blobs(ids) {
      const reader = started()
      const answers = await Promise.all(ids.map((id) => reader.ask(id)))
      if (reader.failure) throw reader.failure
      const result = new Map<string, Buffer>()
      ids.forEach((id, i) => {
        const answer = answers[i]
        if (answer && answer !== 'missing') result.set(id, answer.data)
      })
      return result
    },
    async show(object) {
      // What only `git show` itself answers as it does: a name cat-file cannot be asked (a
      // newline), one git show takes for an option, or one that is also a file here (git show
      // refuses it as ambiguous); a tree, commit or tag, which it prints otherwise; its limit.
      if (object.includes('\n') || object.startsWith('-') || existsSync(join(cwd, object))) return run(['show', object])
      const answer = await started().ask(object)
      if (answer === 'missing') return undefined
      if (answer === undefined || answer.type !== 'blob' || answer.data.length > MAX_OUTPUT_BYTES) return run(['show', object])
      return answer.data.toString('utf8')
    },
    close: () => batch?.close()
  }
}
