import type mysql from 'mysql2/promise'
import { SYSTEM_DATABASES, type ColumnInfo, type DatabaseInfo, type TableInfo } from '../../../shared/connections'
import { AppError } from '../../../shared/errors'

/**
 * Browsing a server: databases, tables, columns. Everything comes from information_schema with the
 * names passed as parameters, never spliced into SQL. Numbers arrive as text (the pools use
 * bigNumberStrings) and are turned into numbers here, where sizes are only for display.
 */

type Queryable = Pick<mysql.Pool, 'query'>
type Row = Record<string, unknown>

const SYSTEM = new Set<string>(SYSTEM_DATABASES)

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

async function rows(q: Queryable, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [r] = await q.query(sql, params)
  return r as Row[]
}

export async function listDatabases(q: Queryable, includeSystem = false): Promise<DatabaseInfo[]> {
  const r = await rows(
    q,
    'SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME'
  )
  return r
    .map((x) => ({
      name: String(x.name),
      charset: String(x.charset),
      collation: String(x.collation),
      system: SYSTEM.has(String(x.name).toLowerCase())
    }))
    .filter((d) => includeSystem || !d.system)
}

async function requireDatabase(q: Queryable, database: string): Promise<void> {
  const r = await rows(q, 'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database])
  if (r.length === 0) throw new AppError('NOT_FOUND', `Database "${database}" does not exist (or this user cannot see it).`)
}

function tableType(t: string): TableInfo['type'] {
  switch (t.toUpperCase()) {
    case 'VIEW':
      return 'view'
    case 'SEQUENCE':
      return 'sequence'
    case 'SYSTEM VIEW':
      return 'system view'
    default:
      return 'table' // BASE TABLE, SYSTEM VERSIONED, TEMPORARY
  }
}

export async function listTables(q: Queryable, database: string): Promise<TableInfo[]> {
  await requireDatabase(q, database)
  const tables = await rows(
    q,
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, TABLE_ROWS AS rows_estimate,
            DATA_LENGTH AS data_bytes, INDEX_LENGTH AS index_bytes, TABLE_COLLATION AS collation,
            TABLE_COMMENT AS comment
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
    [database]
  )
  // One pass over the unique indexes of the whole database: which tables have a primary key, and
  // which have a unique key whose every column is NOT NULL (as usable as a primary key).
  const idx = await rows(
    q,
    `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NULLABLE AS nullable
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0`,
    [database]
  )
  const keys = new Map<string, Map<string, boolean>>() // table -> index -> all columns not null
  for (const r of idx) {
    const t = String(r.t)
    const i = String(r.i)
    const perTable = keys.get(t) ?? new Map<string, boolean>()
    keys.set(t, perTable)
    const notNull = String(r.nullable ?? '') !== 'YES'
    perTable.set(i, (perTable.get(i) ?? true) && notNull)
  }
  return tables.map((r) => {
    const name = String(r.name)
    const k = keys.get(name)
    const type = tableType(String(r.type))
    return {
      name,
      type,
      engine: str(r.engine),
      rowsEstimate: type === 'view' ? null : num(r.rows_estimate),
      dataBytes: num(r.data_bytes),
      indexBytes: num(r.index_bytes),
      collation: str(r.collation),
      hasPrimaryKey: k?.has('PRIMARY') ?? false,
      hasUniqueNotNullKey: [...(k?.entries() ?? [])].some(([i, notNull]) => i !== 'PRIMARY' && notNull),
      comment: String(r.comment ?? '')
    }
  })
}

export async function listColumns(q: Queryable, database: string, table: string): Promise<ColumnInfo[]> {
  const cols = await rows(
    q,
    `SELECT COLUMN_NAME AS name, ORDINAL_POSITION AS position, COLUMN_TYPE AS type, DATA_TYPE AS data_type,
            IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, COLUMN_KEY AS col_key, EXTRA AS extra,
            GENERATION_EXPRESSION AS generation, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [database, table]
  )
  if (cols.length === 0) {
    await requireDatabase(q, database)
    throw new AppError('NOT_FOUND', `Table "${table}" does not exist in database "${database}" (or this user cannot see it).`)
  }
  return cols.map((r) => {
    const extra = String(r.extra ?? '')
    return {
      name: String(r.name),
      position: Number(r.position),
      type: String(r.type),
      dataType: String(r.data_type),
      nullable: String(r.nullable) === 'YES',
      default: str(r.dflt),
      key: String(r.col_key ?? ''),
      extra,
      generated: /GENERATED/i.test(extra) || (r.generation !== null && r.generation !== undefined && String(r.generation) !== ''),
      charset: str(r.charset),
      collation: str(r.collation)
    }
  })
}
