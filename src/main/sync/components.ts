import type { Db } from './store/database'
import type { Logger } from './logging/logger'
import type { EventBus } from './events'
import type { Config } from '../../shared/config-keys'

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

/** Moves table data between servers (full copy, verify). Filled by the full-copy issue. */
export class SyncEngine {
  constructor(readonly deps: Deps) {}
}

/** Queue, concurrency, schedules, retries, resume. Filled by the job engine issue. */
export class JobEngine implements Lifecycle {
  private accepting = false
  constructor(
    private readonly deps: Deps,
    readonly engine: SyncEngine
  ) {}
  async start(): Promise<void> {
    this.accepting = this.deps.config()['sync.enabled']
    this.deps.logger.debug('job engine started', { accepting: this.accepting })
  }
  /** Stops taking work, then drains running jobs until the deadline. */
  async stop(_deadline: number): Promise<void> {
    this.accepting = false
  }
  isAccepting(): boolean {
    return this.accepting
  }
  /** Applies a changed `sync.*` setting without a restart. */
  reconfigure(): void {
    this.accepting = this.deps.config()['sync.enabled']
  }
}

/** Saved sync configurations; hands runs to the job engine. Filled by the full-copy issue. */
export class SyncManager {
  constructor(
    readonly deps: Deps,
    readonly jobs: JobEngine
  ) {}
}

/** Table mappings of sync configs (renames, filters, excluded columns), import and export. */
export class MappingManager {
  constructor(readonly deps: Deps) {}
}

/** Counters for status pages and metrics. */
export class MonitoringService {
  constructor(readonly deps: Deps) {}
}
