import type { Db } from './store/database'
import type { Logger } from './logging/logger'
import type { EventBus } from './events'
import type { Config } from '../../shared/config-keys'

/**
 * What every part of the sync system is given, and how the composition root starts and stops the
 * parts. A leaf: it imports only types, so a part can name these without importing the others
 * (components.ts re-exports the parts, and importing it from a part would be a circle).
 */

export interface Lifecycle {
  start(): Promise<void>
  stop(deadline: number): Promise<void>
}

export interface Deps {
  db: Db
  logger: Logger
  events: EventBus
  config: () => Config
}
