import { randomUUID } from 'node:crypto'
import type mysql from 'mysql2/promise'
import type {
  CursorCandidate,
  connectionCreateSchema,
  connectionUpdateSchema,
  ColumnInfo,
  ConnectionDeleteResult,
  ConnectionDraft,
  ConnectionHealth,
  ConnectionInfo,
  ConnectionTestReport,
  DatabaseInfo,
  TableInfo
} from '../../../shared/connections'
import type { z } from 'zod'
import type { Endpoint } from '../engine/session/endpoint'
import { AppError } from '../../../shared/errors'
import type { Deps, Lifecycle } from '../deps'
import type { Redactor } from '../logging/redact'
import { createDefaultSecretBox, SecretBoxError, SecretKeyError, type SecretBox } from '../secrets'
import { listColumns, listDatabases, listTables } from './browser'
import { cursorCandidates } from '../engine/schema/cursor-candidates'
import { HealthMonitor, type CheckResult } from './health'
import { IDLE_HEALTH, joinSecrets, mergeConnection, splitSecrets, toInfo, type ResolvedConnection, type Secrets, type StoredConnection } from './model'
import { PoolHandle } from './pool-handle'
import { ConnectionRepository } from './repository'
import { testConnection } from './tester'

/**
 * Saved MySQL connections: CRUD with sealed secrets, the Test button, browsing, and one lazily
 * opened pool per connection with background health checks. The engine gets pools and resolved
 * settings from here and nowhere else.
 */

export interface ConnectionManagerOptions {
  /** Every decrypted or submitted secret is registered here so no log line can show it. */
  redactor: Redactor
  /** Where secrets are sealed; default: AES-256-GCM keyed by DBT_SECRET_KEY or <data dir>/secret.key. */
  secretBox?: SecretBox
}

type CreateInput = z.output<typeof connectionCreateSchema>
type UpdateInput = z.output<typeof connectionUpdateSchema>

export class ConnectionManager implements Lifecycle {
  readonly repo: ConnectionRepository
  readonly secretBox: SecretBox
  private readonly redactor: Redactor
  private readonly pools = new Map<string, PoolHandle>()
  private readonly monitor: HealthMonitor
  private readonly log: Deps['logger']

  constructor(
    private readonly deps: Deps,
    opts: ConnectionManagerOptions
  ) {
    this.log = deps.logger.child({ component: 'connections' })
    this.redactor = opts.redactor
    this.repo = new ConnectionRepository(deps.db)
    try {
      this.secretBox = opts.secretBox ?? createDefaultSecretBox(deps.config().data_dir)
    } catch (err) {
      // A malformed DBT_SECRET_KEY is a configuration error (exit 2), not a crash.
      if (err instanceof SecretKeyError) throw new AppError('CONFIG_INVALID', err.message)
      throw err
    }
    if (this.secretBox.warning) this.log.warn(`secrets: ${this.secretBox.warning}`)
    this.monitor = new HealthMonitor({
      intervalMs: () => this.deps.config()['connections.health_interval'],
      check: (id) => this.check(id),
      onChange: (id, h) => this.emitStatus(id, h)
    })
  }

  async start(): Promise<void> {
    this.log.debug('connection manager started', { secrets: this.secretBox.kind })
  }

  /** Closes every remote pool and tunnel; called after the job engine has drained. */
  async stop(_deadline: number): Promise<void> {
    this.monitor.stop()
    const handles = [...this.pools.values()]
    this.pools.clear()
    await Promise.allSettled(handles.map((h) => h.close()))
    this.log.debug('connection manager stopped', { closedPools: handles.length })
  }

  /** Applies a changed `connections.*` setting without a restart. */
  reconfigure(): void {
    this.monitor.reschedule()
  }

  // ---------- CRUD ----------

  list(): ConnectionInfo[] {
    return this.repo.list().map((r) => toInfo(r, this.health(r.id)))
  }

  get(id: string): ConnectionInfo {
    return toInfo(this.repo.require(id), this.health(id))
  }

  findByName(name: string): ConnectionInfo | undefined {
    const r = this.repo.findByName(name)
    return r && toInfo(r, this.health(r.id))
  }

  create(input: CreateInput): ConnectionInfo {
    const resolved = mergeConnection(null, input)
    this.registerSecrets(resolved)
    const now = Date.now()
    const row = this.toStored({ ...resolved, id: randomUUID() }, now, now)
    this.repo.insert(row)
    this.log.info('connection created', { id: row.id, name: row.name })
    return toInfo(row)
  }

  async update(input: UpdateInput): Promise<ConnectionInfo> {
    const existing = this.repo.require(input.id)
    const { id, ...patch } = input
    let base: ResolvedConnection
    try {
      base = this.open(existing)
    } catch (err) {
      // Secrets sealed with a lost key must not lock the user out of re-entering them.
      if (!(err instanceof AppError && err.code === 'SECRETS_UNAVAILABLE')) throw err
      this.log.warn(`${err.message} Saving the edit; secrets not entered again stay unset.`, { id })
      base = joinSecrets(existing, {})
    }
    const merged = mergeConnection(base, patch)
    this.registerSecrets(merged)
    const row = this.toStored(merged, existing.createdAt, Date.now())
    this.repo.update(row)
    // Settings changed: the old pool may point at another server or log in as someone else.
    await this.closePool(id)
    this.log.info('connection updated', { id, name: row.name })
    return toInfo(row)
  }

  async delete(input: { id: string; cascade?: boolean }): Promise<ConnectionDeleteResult> {
    const deletedSyncs = this.repo.delete(input.id, input.cascade === true)
    await this.closePool(input.id)
    this.log.info('connection deleted', { id: input.id, deletedSyncs: deletedSyncs.map((s) => s.id) })
    return { id: input.id, deletedSyncs }
  }

  // ---------- for the mapping manager's imports (one store transaction, ../mappings) ----------

  /**
   * A connection's row as it would be stored: secrets sealed, registered for redaction. Writing it
   * (repo.insert / repo.update) is the caller's, inside its transaction; then `changed` once committed.
   */
  storedRow(c: ResolvedConnection & { id: string }, createdAt: number, updatedAt = Date.now()): StoredConnection {
    this.registerSecrets(c)
    return this.toStored(c, createdAt, updatedAt)
  }

  /** After a committed import changed or deleted a connection: its pool may point at the old server. */
  async changed(id: string): Promise<void> {
    await this.closePool(id)
  }

  // ---------- using a connection ----------

  /** Settings with secrets in clear, for the engine and the tester. Secrets are registered for redaction. */
  resolve(id: string): ResolvedConnection {
    return this.open(this.repo.require(id))
  }

  /** Refuses a read-only connection as a sync target (the engine calls this before writing). */
  assertWritableTarget(id: string): void {
    const c = this.repo.require(id)
    if (c.readOnly) {
      throw new AppError('READ_ONLY_TARGET', `Connection "${c.name}" is marked read-only and cannot be a sync target.`)
    }
  }

  async test(input: { id?: string; draft?: ConnectionDraft }): Promise<ConnectionTestReport> {
    const base = input.id !== undefined ? this.resolve(input.id) : null
    const target = input.draft ? mergeConnection(base, input.draft) : base!
    if (!base) {
      // A fresh draft must still say where to connect; the create schema's rules apply.
      const missing = (['host', 'user'] as const).filter((k) => !target[k])
      if (missing.length) {
        throw new AppError('VALIDATION', `Invalid input: ${missing.map((k) => `draft.${k}: required without id`).join('; ')}`, {
          issues: missing.map((k) => ({ path: `draft.${k}`, message: 'required without id' }))
        })
      }
    }
    this.registerSecrets(target)
    return testConnection(target, { logger: this.log, redactor: this.redactor })
  }

  /** The connection's pool, opened on first use. Failures carry contract codes (AUTH_FAILED, ...). */
  async pool(id: string): Promise<mysql.Pool> {
    let handle = this.pools.get(id)
    if (!handle) {
      handle = new PoolHandle(this.resolve(id), this.log)
      this.pools.set(id, handle)
    }
    if (handle.isOpen) return handle.get()
    const t0 = performance.now()
    try {
      const pool = await handle.get()
      if (this.pools.get(id) === handle) this.monitor.report(id, { ok: true, latencyMs: Math.round(performance.now() - t0) })
      return pool
    } catch (err) {
      const e = this.redactedError(err)
      if (this.pools.get(id) === handle) this.monitor.report(id, { ok: false, error: e.toBody() })
      throw e
    }
  }

  /** A dedicated, UTC-pinned session (tunnelled when set) for work that should not hold a pool slot. Caller ends it. */
  async session(id: string): Promise<mysql.Connection> {
    await this.pool(id)
    const handle = this.pools.get(id)
    if (!handle) throw new AppError('UNAVAILABLE', 'The connection was closed while opening a session.')
    try {
      return await handle.session()
    } catch (err) {
      throw this.redactedError(err)
    }
  }

  /** The connection as an engine endpoint (TLS and tunnel included); opens the pool if needed. */
  async endpoint(id: string): Promise<Endpoint> {
    await this.pool(id)
    const handle = this.pools.get(id)
    if (!handle) throw new AppError('UNAVAILABLE', 'The connection was closed while preparing it.')
    const c = handle.conn
    const options = await handle.engineOptions().catch((err: unknown) => {
      throw this.redactedError(err)
    })
    const host = c.host.includes(':') ? `[${c.host}]` : c.host
    return { label: `${c.name} (${c.user}@${host}:${c.port})`, database: c.database ?? undefined, readOnly: c.readOnly, options }
  }

  async databases(input: { id: string; includeSystem?: boolean }): Promise<DatabaseInfo[]> {
    return listDatabases(await this.pool(input.id), input.includeSystem === true)
  }

  async tables(input: { id: string; database: string }): Promise<TableInfo[]> {
    return this.browse(input.id, (p) => listTables(p, input.database))
  }

  async columns(input: { id: string; database: string; table: string }): Promise<ColumnInfo[]> {
    return this.browse(input.id, (p) => listColumns(p, input.database, input.table))
  }

  /** Cursor columns an incremental sync could use for the table, best first (the wizard's suggestion). */
  async cursors(input: { id: string; database: string; table: string }): Promise<CursorCandidate[]> {
    await this.columns(input)
    return this.browse(input.id, (p) => cursorCandidates(p, input.database, input.table))
  }

  /** Connections whose pool is currently up (connected or degraded). */
  connectedCount(): number {
    return this.monitor.upCount()
  }

  health(id: string): ConnectionHealth {
    return this.monitor.health(id) ?? IDLE_HEALTH
  }

  // ---------- internals ----------

  private async browse<T>(id: string, fn: (pool: mysql.Pool) => Promise<T>): Promise<T> {
    return fn(await this.pool(id))
  }

  private async check(id: string): Promise<CheckResult> {
    const handle = this.pools.get(id)
    if (!handle) return { ok: false, error: { code: 'UNAVAILABLE', message: 'pool closed' } }
    try {
      const latencyMs = await handle.ping()
      return { ok: true, latencyMs }
    } catch (err) {
      return { ok: false, error: this.redactedError(err).toBody() }
    }
  }

  private emitStatus(id: string, h: ConnectionHealth): void {
    if (h.state === 'idle') return
    this.deps.events.emit('connection.status', {
      connectionId: id,
      status: h.state,
      ...(h.latencyMs !== null && h.state !== 'down' ? { latencyMs: h.latencyMs } : {}),
      ...(h.error ? { error: h.error } : {}),
      ...(h.state !== 'connected' && h.retryInMs !== null ? { retryInMs: h.retryInMs } : {})
    })
    const level = h.state === 'connected' ? 'info' : 'warn'
    this.log[level](`connection ${h.state}`, { id, error: h.error?.message })
  }

  private redactedError(err: unknown): AppError {
    const e = err instanceof AppError ? err : new AppError('UNAVAILABLE', (err as Error)?.message ?? String(err))
    return new AppError(e.code, this.redactor.text(e.message), e.details)
  }

  private async closePool(id: string): Promise<void> {
    this.monitor.untrack(id)
    const h = this.pools.get(id)
    this.pools.delete(id)
    await h?.close()
  }

  private registerSecrets(c: ResolvedConnection): void {
    for (const s of [c.password, c.tls.key, c.ssh?.password, c.ssh?.privateKey, c.ssh?.passphrase]) this.redactor.addSecret(s)
  }

  /** Opens a stored row's secrets. */
  private open(row: StoredConnection): ResolvedConnection {
    let secrets: Secrets = {}
    if (row.secrets && row.secrets.length > 0) {
      try {
        secrets = JSON.parse(this.secretBox.open(row.secrets).toString('utf8')) as Secrets
      } catch (err) {
        const why = err instanceof SecretBoxError ? err.message : 'they could not be decoded'
        throw new AppError('SECRETS_UNAVAILABLE', `The saved secrets of connection "${row.name}" cannot be opened: ${why}.`)
      }
    }
    const resolved = joinSecrets(row, secrets)
    this.registerSecrets(resolved)
    return resolved
  }

  private toStored(c: ResolvedConnection, createdAt: number, updatedAt: number): StoredConnection {
    const { options, secrets } = splitSecrets(c)
    let sealed: Buffer | null = null
    try {
      sealed = Object.keys(secrets).length > 0 ? this.secretBox.seal(JSON.stringify(secrets)) : null
    } catch (err) {
      if (err instanceof AppError) throw err
      throw new AppError('SECRETS_UNAVAILABLE', `Secrets cannot be saved here (${this.secretBox.kind}): ${(err as Error).message}`)
    }
    return {
      id: c.id!,
      name: c.name,
      host: c.host,
      port: c.port,
      user: c.user,
      database: c.database,
      readOnly: c.readOnly,
      options,
      secrets: sealed,
      createdAt,
      updatedAt
    }
  }
}
