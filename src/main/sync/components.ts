import type { Deps } from './deps'
import { runFullCopy } from './engine/run'
import { verifyTables } from './engine/compare/verify-run'

/**
 * The sync system's parts, as named in the reference design, each owning one job. The composition
 * root (system.ts) imports them from here; the parts themselves import only deps.ts, never this.
 */

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

/** The whole setup as one document (export, import, apply) and one validation report (./mappings). */
export { MappingManager } from './mappings/manager'

/** Throughput and counters for status pages and metrics (./monitoring). */
export { MonitoringService } from './monitoring'
