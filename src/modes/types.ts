import type { EventContext } from '../context.js'
import type { Inputs } from '../inputs.js'
import type { Services } from '../main.js'
import type { Outcome, RunReport } from '../report.js'
import type { StageLog } from '../stages.js'

/** What every mode runs with: the inputs, the event, the ports, the stage log and the report it fills. */
export interface ModeContext {
  inputs: Inputs
  ctx: EventContext
  services: Services
  stages: StageLog
  report: RunReport
  /** A temporary folder of the run's own, removed at its end. */
  workDir: () => Promise<string>
}

export type ModeRun = (mode: ModeContext) => Promise<Outcome>
