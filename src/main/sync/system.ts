import { join } from 'node:path'
import type { SystemStatus } from '../../shared/contract'
import type { Config } from '../../shared/config-keys'
import { effectiveConfig, withSettings, type ConfigLayers } from './config/layers'
import { createLogger, type Logger, type LogLevel } from './logging/logger'
import { Redactor } from './logging/redact'
import { openStore, type Db, type MigrationReport } from './store/database'
import { prepareDataDir } from './store/data-dir'
import { LATEST_SCHEMA_VERSION } from './store/migrations'
import { SettingsRepository } from './store/settings-repository'
import { StatsRepository } from './store/stats-repository'
import { EventBus } from './events'
import { SettingsService } from './settings-service'
import {
  ConnectionManager,
  JobEngine,
  MappingManager,
  MonitoringService,
  SyncEngine,
  SyncManager
} from './components'
import type { Deps } from './deps'
import { appVersion } from './version'
import { Scheduler } from './jobs/scheduler'
import type { SecretBox } from './secrets'

/**
 * The composition root: creates the sync system's parts, wires them, and starts and stops them in
 * the reference design's order. Edges (desktop, HTTP, CLI) call `createSyncSystem` and then only
 * translate. Nothing here knows which edge it runs under.
 */

export const STORE_TABLES = [
  'connections',
  'sync_configs',
  'table_mappings',
  'schedules',
  'scheduler_state',
  'jobs',
  'job_tables',
  'job_logs',
  'settings',
  'schema_migrations'
]

export interface SyncSystemOptions {
  layers: ConfigLayers
  mode: 'desktop' | 'headless'
  /** Electron's build of better-sqlite3 (desktop only). */
  sqliteBinding?: string
  /** Log to the console (stderr). Default true. */
  consoleLog?: boolean
  /** Shared with the edges so they can register their own secrets (server token). */
  redactor?: Redactor
  /** How connection secrets are sealed (desktop: safeStorage). Default: AES-256-GCM, DBT_SECRET_KEY or <data dir>/secret.key. */
  secretBox?: SecretBox
}

export interface SyncSystem {
  readonly mode: 'desktop' | 'headless'
  readonly version: string
  readonly dataDir: string
  readonly storePath: string
  readonly migrations: MigrationReport
  readonly logger: Logger
  readonly redactor: Redactor
  readonly events: EventBus
  readonly settings: SettingsService
  readonly db: Db
  readonly connections: ConnectionManager
  readonly engine: SyncEngine
  readonly jobs: JobEngine
  readonly syncs: SyncManager
  readonly mappings: MappingManager
  readonly scheduler: Scheduler
  readonly monitoring: MonitoringService
  config(): Config
  status(): SystemStatus
  syncStatus(): SyncStatusDocument
  start(): Promise<void>
  /** Stops in reverse order; every step is bounded by `timeoutMs` in total. */
  stop(timeoutMs?: number): Promise<void>
}

export interface SyncStatusDocument {
  ok: boolean
  schemaVersion: number
  latestSchemaVersion: number
  tables: Record<string, boolean>
  state: SystemStatus['sync']['state']
  enabled: boolean
  stats: SystemStatus['counters']
}

export function createSyncSystem(opts: SyncSystemOptions): SyncSystem {
  const redactor = opts.redactor ?? new Redactor()
  // Boot layers decide data_dir; the store inside it holds the settings layer.
  const bootEffective = effectiveConfig(opts.layers)
  const boot = bootEffective.config
  const dataDir = boot.data_dir
  // Checked (and created private) before anything is written into it; its warnings go to the log.
  const prepared = prepareDataDir(dataDir, bootEffective.origins.data_dir ?? 'the default data_dir')
  const layers: ConfigLayers = { ...opts.layers, warnings: [...opts.layers.warnings, ...prepared.warnings] }
  redactor.addSecret(boot['server.token'])
  const storePath = join(dataDir, 'db-taxi.sqlite')
  const { db, migrations } = openStore({ path: storePath, nativeBinding: opts.sqliteBinding })

  let logger: Logger | undefined
  try {
    const settingsRepo = new SettingsRepository(db)
    const settings = new SettingsService(withSettings(layers, settingsRepo.all()), settingsRepo)
    const config = (): Config => settings.config()
    logger = createLogger({
      level: config()['logging.level'] as LogLevel,
      format: config()['logging.format'] as 'text' | 'json',
      logDir: join(dataDir, 'logs'),
      redactor,
      console: opts.consoleLog !== false
    })
    for (const w of settings.warnings()) logger.warn(w)
    if (migrations.applied.length) logger.info('metadata store migrated', { from: migrations.from, to: migrations.to })

    const events = new EventBus()
    const deps: Deps = { db, logger, events, config }
    // Order of the reference design: repository, monitoring, engine, job engine, connection
    // manager, sync manager, mapping manager; then wire.
    const stats = new StatsRepository(db)
    const monitoring = new MonitoringService(deps)
    const engine = new SyncEngine(deps)
    const jobs = new JobEngine(deps)
    const connections = new ConnectionManager(deps, { redactor, secretBox: opts.secretBox })
    const syncs = new SyncManager(deps, jobs, connections)
    jobs.wire(connections, syncs.repo, (text) => redactor.text(text))
    const scheduler = new Scheduler(deps, (syncId, trigger) => syncs.run(syncId, trigger).jobId)
    syncs.setScheduler(scheduler)
    const mappings = new MappingManager(deps, connections, syncs, scheduler, (s) => redactor.addSecret(s))

    settings.onChange((changed) => {
      if (changed.includes('logging.level')) logger!.setLevel(config()['logging.level'] as LogLevel)
      if (changed.some((k) => k.startsWith('sync.'))) jobs.reconfigure()
      if (changed.some((k) => k.startsWith('connections.'))) connections.reconfigure()
      logger!.info('settings changed', { keys: changed })
    })

    const secretsWarning = connections.secretBox.warning
    let state: SystemStatus['sync']['state'] = 'stopped'
    const startedAt = new Date()
    const version = appVersion()

    const storeOk = (): { ok: boolean; error?: string } => {
      try {
        db.prepare('SELECT 1').get()
        return { ok: true }
      } catch (err) {
        return { ok: false, error: (err as Error).message }
      }
    }

    const counters = (): SystemStatus['counters'] => {
      const c = stats.counters()
      return { ...c, connectedConnections: connections.connectedCount() }
    }

    const system: SyncSystem = {
      mode: opts.mode,
      version,
      dataDir,
      storePath,
      migrations,
      logger,
      redactor,
      events,
      settings,
      db,
      connections,
      engine,
      jobs,
      syncs,
      mappings,
      scheduler,
      monitoring,
      config,
      status() {
        const store = storeOk()
        return {
          version,
          startedAt: startedAt.toISOString(),
          uptimeMs: Date.now() - startedAt.getTime(),
          mode: opts.mode,
          store: { ...store, path: storePath, schemaVersion: migrations.to },
          sync: { ok: state === 'running', enabled: config()['sync.enabled'], state },
          counters: store.ok
            ? counters()
            : { connections: 0, connectedConnections: 0, syncs: 0, jobs: { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0 }, rows: { inserted: 0, updated: 0, deleted: 0, repaired: 0 } },
          throughput: monitoring.throughput(),
          recentFailures: store.ok ? jobs.recentFailures(5) : [],
          secrets: secretsWarning ? { kind: connections.secretBox.kind, warning: secretsWarning } : { kind: connections.secretBox.kind }
        }
      },
      syncStatus() {
        const tables = stats.tablesPresent(STORE_TABLES)
        const ok = Object.values(tables).every(Boolean) && state === 'running'
        return {
          ok,
          schemaVersion: migrations.to,
          latestSchemaVersion: LATEST_SCHEMA_VERSION,
          tables,
          state,
          enabled: config()['sync.enabled'],
          stats: counters()
        }
      },
      async start() {
        state = 'starting'
        await connections.start()
        await jobs.start()
        await scheduler.start()
        state = 'running'
        logger!.info('sync system started', { dataDir, mode: opts.mode, version })
      },
      async stop(timeoutMs = 10_000) {
        if (state === 'stopped' && !db.open) return
        state = 'stopping'
        const deadline = Date.now() + timeoutMs
        // Reverse order: stop taking work and drain jobs, close remote pools, close the store.
        for (const [name, step] of [
          ['scheduler', () => scheduler.stop()],
          ['job engine', () => jobs.stop(deadline)],
          ['connection manager', () => connections.stop(deadline)]
        ] as const) {
          try {
            await withDeadline(step(), deadline)
          } catch (err) {
            logger!.error(`stopping ${name} failed; continuing shutdown`, { err })
          }
        }
        try {
          if (db.open) db.close()
        } catch (err) {
          logger!.error('closing the metadata store failed', { err })
        }
        state = 'stopped'
        logger!.info('sync system stopped')
        await logger!.close()
      }
    }
    return system
  } catch (err) {
    db.close()
    void logger?.close()
    throw err
  }
}

function withDeadline<T>(p: Promise<T>, deadline: number): Promise<T | undefined> {
  const left = Math.max(0, deadline - Date.now())
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not stop within the shutdown timeout`)), left)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    )
  })
}
