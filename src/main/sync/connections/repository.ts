import { AppError } from '../../../shared/errors'
import type { Db } from '../store/database'
import type { StoredConnection, StoredOptions } from './model'

/**
 * The `connections` table and nothing else: rows in, rows out. Sealing secrets is the manager's
 * job; this class only ever sees the sealed blob.
 */

interface Row {
  id: string
  name: string
  host: string
  port: number
  user: string
  database: string | null
  read_only: number
  options: string
  secrets: Buffer | null
  created_at: number
  updated_at: number
}

export interface SyncRef {
  id: string
  name: string
}

const COLUMNS = 'id, name, host, port, user, database, read_only, options, secrets, created_at, updated_at'

function fromRow(r: Row): StoredConnection {
  const options = JSON.parse(r.options) as Partial<StoredOptions>
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    port: r.port,
    user: r.user,
    database: r.database,
    readOnly: r.read_only === 1,
    options: {
      tls: options.tls ?? { mode: 'preferred', ca: null, cert: null },
      ssh: options.ssh ?? null,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      poolSize: options.poolSize ?? 4,
      secretsSet: options.secretsSet ?? []
    },
    secrets: r.secrets,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

function conflict(name: string): AppError {
  return new AppError('CONFLICT', `A connection named "${name}" already exists.`, { field: 'name' })
}

export class ConnectionRepository {
  constructor(private readonly db: Db) {}

  list(): StoredConnection[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM connections ORDER BY name COLLATE NOCASE`).all() as Row[]
    return rows.map(fromRow)
  }

  get(id: string): StoredConnection | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM connections WHERE id = ?`).get(id) as Row | undefined
    return row && fromRow(row)
  }

  require(id: string): StoredConnection {
    const c = this.get(id)
    if (!c) throw new AppError('NOT_FOUND', `No connection with id "${id}".`)
    return c
  }

  /** Names are unique regardless of case (the column is COLLATE NOCASE). */
  findByName(name: string): StoredConnection | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM connections WHERE name = ? COLLATE NOCASE`).get(name) as Row | undefined
    return row && fromRow(row)
  }

  insert(c: StoredConnection): void {
    if (this.findByName(c.name)) throw conflict(c.name)
    try {
      this.db
        .prepare(
          `INSERT INTO connections (${COLUMNS}) VALUES (@id, @name, @host, @port, @user, @database, @read_only, @options, @secrets, @created_at, @updated_at)`
        )
        .run(toParams(c))
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(c.name)
      throw err
    }
  }

  update(c: StoredConnection): void {
    const other = this.findByName(c.name)
    if (other && other.id !== c.id) throw conflict(c.name)
    try {
      const res = this.db
        .prepare(
          `UPDATE connections SET name = @name, host = @host, port = @port, user = @user, database = @database,
             read_only = @read_only, options = @options, secrets = @secrets, updated_at = @updated_at
           WHERE id = @id`
        )
        .run(toParams(c))
      if (res.changes === 0) throw new AppError('NOT_FOUND', `No connection with id "${c.id}".`)
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(c.name)
      throw err
    }
  }

  /** Sync configs whose source or target is this connection. */
  usedBy(id: string): SyncRef[] {
    return this.db
      .prepare('SELECT id, name FROM sync_configs WHERE source_connection_id = ? OR target_connection_id = ? ORDER BY name')
      .all(id, id) as SyncRef[]
  }

  /**
   * Deletes the connection and, when `cascade`, the sync configs using it (their table mappings
   * and schedules go with them by foreign key), all in one transaction.
   */
  delete(id: string, cascade: boolean): SyncRef[] {
    return this.db.transaction(() => {
      this.require(id)
      const users = this.usedBy(id)
      if (users.length > 0 && !cascade) {
        throw new AppError(
          'IN_USE',
          `This connection is used by ${users.length} sync configuration(s): ${users.map((u) => u.name).join(', ')}. Delete them first, or confirm deleting them together with the connection.`,
          { syncs: users }
        )
      }
      const delSync = this.db.prepare('DELETE FROM sync_configs WHERE id = ?')
      for (const u of users) delSync.run(u.id)
      this.db.prepare('DELETE FROM connections WHERE id = ?').run(id)
      return users
    })()
  }
}

function toParams(c: StoredConnection): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    host: c.host,
    port: c.port,
    user: c.user,
    database: c.database,
    read_only: c.readOnly ? 1 : 0,
    options: JSON.stringify(c.options),
    secrets: c.secrets,
    created_at: c.createdAt,
    updated_at: c.updatedAt
  }
}
