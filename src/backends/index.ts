/**
 * src/backends/: where a registry's bytes go. The folder and S3 modules are ObjectStores (key
 * → bytes) wrapped in the one RegistryBackend of src/registry/, which holds the registry's
 * rules; Capgo is a Backend of its own, as Capgo Cloud keeps its own registry. See
 * docs/architecture.md, Registry.
 */
import { resolve } from 'node:path'
import type { CommandRunner } from '../command-runner.js'
import { MissingCredentialsError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import type { Backend } from '../registry/types.js'
import type { Log } from '../workflow.js'
import type { S3Tuning } from './s3.js'

/** The ports and facts a backend may need besides the inputs. */
export interface BackendContext {
  runner: CommandRunner
  env: NodeJS.ProcessEnv
  log: Log
  /** The step's working folder: relative registry paths start here. */
  workspace: string
  /** The app's folder, where the Capgo CLI runs. */
  cwd: string
  runUrl?: string
  s3?: S3Tuning
}

/**
 * The backend the inputs ask for; credentials are checked here, before any work. Each
 * backend's module (the registry's rules, SigV4, the Capgo CLI's wrapper) is loaded by the
 * run that uses it, not at start-up.
 */
export async function createBackend(inputs: Inputs, context: BackendContext): Promise<Backend> {
  switch (inputs.backend) {
    case 'folder': {
      const { createFolderBackend } = await import('./folder.js')
      return createFolderBackend(resolve(context.workspace, inputs.registryPath), inputs.publicUrl, context.workspace)
    }
    case 's3': {
      const { createS3Backend } = await import('./s3.js')
      return createS3Backend(inputs.s3, inputs.publicUrl, context.s3)
    }
    case 'capgo': {
      if (!inputs.capgoToken) {
        throw new MissingCredentialsError('The capgo backend has no API key: set the capgo-token input from a secret (Capgo console, API keys).')
      }
      const { CapgoBackend } = await import('./capgo.js')
      return new CapgoBackend({ token: inputs.capgoToken, encryptionKey: inputs.capgoEncryptionKey, runner: context.runner, env: context.env, log: context.log, cwd: context.cwd, runUrl: context.runUrl })
    }
  }
}
