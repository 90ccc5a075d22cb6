import { actionServices, run } from './main.js'

// The one place the process's environment and folder enter: every module reads them through Services.
await run(actionServices(process.env, process.cwd()))
