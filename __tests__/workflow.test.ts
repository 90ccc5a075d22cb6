import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import * as core from '@actions/core'
import { runnerWorkflow, type Workflow } from '../src/workflow.js'

/** The runner's workflow commands as the action writes them, read back as the runner reads them. */
function recorded(env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  const out = new Writable({ write: (chunk, _encoding, done) => { stdout += String(chunk); done() } })
  return { workflow: runnerWorkflow(env, out), stdout: () => stdout }
}

/** What @actions/core 3 (a devDependency, the reference) writes to the process's stdout for the same calls. */
async function throughCore(calls: (workflow: Workflow) => Promise<void>): Promise<string> {
  let stdout = ''
  const write = process.stdout.write
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true }) as typeof write
  const viaCore: Workflow = {
    info: core.info, notice: (m) => core.notice(m), warning: (m, p) => core.warning(m, p), error: (m, p) => core.error(m, p),
    group: core.group, setSecret: core.setSecret, setOutput: core.setOutput,
    appendSummary: async (m) => { await core.summary.addRaw(m).write() }, setFailed: core.setFailed
  }
  try {
    await calls(viaCore)
  } finally {
    process.stdout.write = write
  }
  return stdout
}

/** Every delimiter of a GITHUB_OUTPUT file as one name, since each write draws a random one. */
const sameDelimiters = (text: string) => text.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'ghadelimiter_X')

describe('runnerWorkflow', () => {
  const temp = mkdtempSync(join(tmpdir(), 'workflow-'))
  afterEach(() => {
    process.exitCode = undefined
  })
  afterAll(() => rmSync(temp, { recursive: true, force: true }))

  it('escapes messages and properties as @actions/core does', async () => {
    const { workflow, stdout } = recorded()
    workflow.info('plain 100% line')
    workflow.warning('50%\r\nof it', { title: 'a: b, c', file: 'ios/App/Podfile' })
    workflow.notice('note')
    workflow.setSecret('s3cr3t\nline')
    expect(await workflow.group('Pack', async () => 42)).toBe(42)
    expect(stdout()).toBe([
      'plain 100% line',
      '::warning title=a%3A b%2C c,file=ios/App/Podfile::50%25%0D%0Aof it',
      '::notice::note',
      '::add-mask::s3cr3t%0Aline',
      '::group::Pack',
      '::endgroup::',
      ''
    ].join('\n'))
  })

  it('writes outputs to GITHUB_OUTPUT with a random delimiter, a multi-line value intact', () => {
    const file = join(temp, 'output')
    writeFileSync(file, '')
    const { workflow, stdout } = recorded({ GITHUB_OUTPUT: file })
    workflow.setOutput('reasons', '["a",\n"b"]')
    workflow.setOutput('channel', 'pr-7')
    const text = readFileSync(file, 'utf8')
    expect(text).toMatch(/^reasons<<(ghadelimiter_[0-9a-f-]{36})\n\["a",\n"b"\]\n\1\nchannel<<(ghadelimiter_[0-9a-f-]{36})\npr-7\n\2\n$/)
    expect(stdout()).toBe('')
  })

  it('falls back to set-output on stdout without GITHUB_OUTPUT', () => {
    const { workflow, stdout } = recorded()
    workflow.setOutput('version', '1.0.0')
    expect(stdout()).toBe('\n::set-output name=version::1.0.0\n')
  })

  it('appends to the job summary and fails without one', async () => {
    const file = join(temp, 'summary')
    writeFileSync(file, '# before\n')
    await recorded({ GITHUB_STEP_SUMMARY: file }).workflow.appendSummary('## Published\n')
    expect(readFileSync(file, 'utf8')).toBe('# before\n## Published\n')
    await expect(recorded({}).workflow.appendSummary('x')).rejects.toThrow(/GITHUB_STEP_SUMMARY/)
    await expect(recorded({ GITHUB_STEP_SUMMARY: join(temp, 'missing') }).workflow.appendSummary('x')).rejects.toThrow(/Unable to access summary file/)
  })

  it('fails the step: an error annotation and exit code 1', () => {
    const { workflow, stdout } = recorded()
    workflow.setFailed('S3 refused PUT')
    expect(stdout()).toBe('::error::S3 refused PUT\n')
    expect(process.exitCode).toBe(1)
  })

  it('writes byte for byte what @actions/core writes, on stdout and in the output and summary files', async () => {
    const calls = async (workflow: Workflow) => {
      workflow.info('plain 100% line, a: b, c')
      workflow.warning('50%\r\nof it', { title: 'a: b, c', file: 'ios/App/Podfile' })
      workflow.error('bad\nthing', { title: 'Store release needed' })
      workflow.notice('note')
      workflow.setSecret('s3cr3t\nline')
      await workflow.group('Pack %', async () => workflow.info('inside'))
      workflow.setOutput('reasons', '["a",\n"b"]')
      await workflow.appendSummary('## Published\n| a | b |\n')
      workflow.setFailed('S3 refused PUT: 50%')
    }
    const files = (tag: string) => {
      const output = join(temp, `${tag}-output`)
      const summary = join(temp, `${tag}-summary`)
      writeFileSync(output, '')
      writeFileSync(summary, '')
      return { output, summary }
    }
    const ours = files('ours')
    const { workflow, stdout } = recorded({ GITHUB_OUTPUT: ours.output, GITHUB_STEP_SUMMARY: ours.summary })
    await calls(workflow)
    const reference = files('core')
    const saved = { output: process.env.GITHUB_OUTPUT, summary: process.env.GITHUB_STEP_SUMMARY }
    process.env.GITHUB_OUTPUT = reference.output
    process.env.GITHUB_STEP_SUMMARY = reference.summary
    let coreStdout: string
    try {
      coreStdout = await throughCore(calls)
    } finally {
      for (const [name, value] of [['GITHUB_OUTPUT', saved.output], ['GITHUB_STEP_SUMMARY', saved.summary]] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
    expect(stdout()).toBe(coreStdout)
    expect(sameDelimiters(readFileSync(ours.output, 'utf8'))).toBe(sameDelimiters(readFileSync(reference.output, 'utf8')))
    expect(readFileSync(ours.summary, 'utf8')).toBe(readFileSync(reference.summary, 'utf8'))
  })
})
