/* The endpoint's settings as both entries take them (flags on Node, vars on Workers). */
import type { EndpointOptions } from './handler.js'

interface EndpointSettings {
  defaultChannel?: string
  /** Comma-separated channel names, `*` wildcards allowed. */
  selfAssign?: string
  cacheSeconds?: string
}

/** The settings as handler options, or a sentence naming the setting that is wrong. */
export function endpointOptions(settings: EndpointSettings): Pick<EndpointOptions, 'defaultChannel' | 'selfAssign' | 'cacheSeconds'> {
  const cacheSeconds = settings.cacheSeconds === undefined || settings.cacheSeconds === '' ? undefined : Number(settings.cacheSeconds)
  if (cacheSeconds !== undefined && !(Number.isFinite(cacheSeconds) && cacheSeconds >= 0 && cacheSeconds <= 3600)) {
    throw new Error(`cache seconds must be a number from 0 to 3600, not "${settings.cacheSeconds}".`)
  }
  const selfAssign = settings.selfAssign?.split(',').map((rule) => rule.trim()).filter(Boolean)
  return {
    ...(settings.defaultChannel ? { defaultChannel: settings.defaultChannel } : {}),
    ...(selfAssign?.length ? { selfAssign } : {}),
    ...(cacheSeconds !== undefined ? { cacheSeconds } : {})
  }
}
