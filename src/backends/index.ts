import { resolve } from 'node:path'
import { MissingCredentialsError } from '../errors.js'
import { actionsRunner, type CommandRunner } from '../process.js'
import { CapgoBackend } from './capgo.js'
import type { Inputs } from '../inputs.js'
import type { Backend } from '../registry/types.js'
import { createFolderBackend } from './folder.js'
import { createS3Backend } from './s3.js'

/** The backend the inputs ask for; credentials are checked here, before any work. */
export interface BackendContext {
  runner: CommandRunner
  cwd: string
  runUrl?: string
}

export function createBackend(inputs: Inputs, context: BackendContext = { runner: actionsRunner, cwd: process.cwd() }): Backend {
  switch (inputs.backend) {
    case 'folder':
      return createFolderBackend(resolve(inputs.registryPath), inputs.publicUrl)
    case 's3':
      return createS3Backend(inputs.s3, inputs.publicUrl)
    case 'capgo':
      if (!inputs.capgoToken) {
        throw new MissingCredentialsError('The capgo backend has no API key: set the capgo-token input from a secret (Capgo console, API keys).')
      }
      return new CapgoBackend({ token: inputs.capgoToken, encryptionKey: inputs.capgoEncryptionKey, ...context })
  }
}
