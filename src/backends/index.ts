import { resolve } from 'node:path'
import { UserError } from '../errors.js'
import type { Inputs } from '../inputs.js'
import type { Backend } from '../registry/types.js'
import { createFolderBackend } from './folder.js'
import { createS3Backend } from './s3.js'

/** The backend the inputs ask for; credentials are checked here, before any work. */
export function createBackend(inputs: Inputs): Backend {
  switch (inputs.backend) {
    case 'folder':
      return createFolderBackend(resolve(inputs.registryPath), inputs.publicUrl)
    case 's3':
      return createS3Backend(inputs.s3, inputs.publicUrl)
    case 'capgo':
      throw new UserError(`The backend input "${inputs.backend}" is not available in this version yet: use backend: folder.`)
  }
}
