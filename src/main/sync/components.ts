import type { Db } from './store/database'
import type { Logger } from './logging/logger'
import type { EventBus } from './events'
import type { Config } from '../../shared/config-keys'
import { runFullCopy } from './engine/run'
import { verifyTables } from './engine/compare/verify-run'

/**
 * The sync system's parts, as named in the reference design. Each one owns one job; they are thin
 * until the issues that fill them land (connections, full copy, job engine), but their lifecycle
 * and wiring are already the real ones so later work only adds behaviour.
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

/** Remote MySQL connections: CRUD, sealed secrets, test, browse, pools, health (./connections). */
export { ConnectionManager, type ConnectionManagerOptions } from './connections/manager'

/**
 * Moves table data between servers: full copy with verification, and verification on its own.
 * Stateless; the job engine calls it with endpoints and a signal.
 */
export class SyncEngine {
  readonly copy = runFullCopy
  readonly verify = verifyTables
  constructor(readonly deps: Deps) {}
}

/** Queue, concurrency, cancel, job history (./jobs). */
export { JobEngine } from './jobs/job-engine'

/** Saved sync configurations, validate, plan, run (./syncs). */
export { SyncManager } from './syncs/manager'

/** Table mappings of sync configs (renames, filters, excluded columns), import and export. */
export class MappingManager {
  constructor(readonly deps: Deps) {}
}

/** Throughput and counters for status pages and metrics (./monitoring). */
export { MonitoringService } from './monitoring'
