import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { quoteQualified } from '../../mysql/identifiers'

/** What the engine needs to know about one table, read from information_schema and SHOW CREATE. */

export type ColumnKind = 'int' | 'decimal' | 'float' | 'bit' | 'temporal' | 'string' | 'binary' | 'enum' | 'spatial' | 'json'

export interface ColumnInfo {
  name: string
  dataType: string
  columnType: string
  nullable: boolean
  generated: boolean
  kind: ColumnKind
  /** Character set of text columns; null for binary, numbers and dates. */
  charset: string | null
  /** Collation of text columns (how keys compare: case, accents, trailing spaces); null for others. */
  collation?: string | null
}

export interface KeyInfo {
  name: string
  kind: 'primary' | 'unique'
  columns: ColumnInfo[]
}

export interface TableInfo {
  database: string
  name: string
  type: 'BASE TABLE' | 'VIEW' | 'SEQUENCE' | 'SYSTEM VERSIONED' | string
  engine: string | null
  rowsEstimate: number
  dataBytes: number
  collation: string | null
  columns: ColumnInfo[]
  /** Primary key, else the narrowest unique key whose columns are all NOT NULL; null when neither. */
  key: KeyInfo | null
  createSql: string
  transactional: boolean
}

const INT_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint'])
const TEMPORAL = new Set(['date', 'datetime', 'timestamp', 'time', 'year'])
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'])
const SPATIAL = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection'])
const TRANSACTIONAL = new Set(['innodb', 'xtradb', 'rocksdb', 'tokudb', 'ndbcluster', 'ndb'])

export function columnKind(dataType: string): ColumnKind {
  const t = dataType.toLowerCase()
  if (INT_TYPES.has(t)) return 'int'
  if (t === 'decimal' || t === 'numeric') return 'decimal'
  if (t === 'float' || t === 'double' || t === 'real') return 'float'
  if (t === 'bit') return 'bit'
  if (TEMPORAL.has(t)) return 'temporal'
  if (BINARY.has(t)) return 'binary'
  if (t === 'enum' || t === 'set') return 'enum'
  if (SPATIAL.has(t)) return 'spatial'
  if (t === 'json') return 'json'
  return 'string'
}

function str(v: unknown): string {
  if (v === null || v === undefined) return ''
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
}

export async function tableExists(conn: Connection, db: string, table: string): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [db, table]
  )
  return rows.length > 0
}

export async function databaseExists(conn: Connection, db: string): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])
  return rows.length > 0
}

export async function listTables(conn: Connection, db: string): Promise<{ name: string; type: string }[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db]
  )
  return rows.map((r) => ({ name: str(r.name), type: str(r.type) }))
}

export async function readTableInfo(conn: Connection, db: string, table: string): Promise<TableInfo> {
  const [tables] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_TYPE AS type, ENGINE AS engine, TABLE_ROWS AS rowsEstimate, DATA_LENGTH AS dataBytes, TABLE_COLLATION AS collation
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
    [db, table]
  )
  const t = tables[0]
  if (!t) throw new AppError('TABLE_NOT_FOUND', `Table ${db}.${table} does not exist.`, { database: db, table })

  const [cols] = await conn.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            EXTRA AS extra, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [db, table]
  )
  const columns: ColumnInfo[] = cols.map((c) => ({
    name: str(c.name),
    dataType: str(c.dataType).toLowerCase(),
    columnType: str(c.columnType),
    nullable: str(c.nullable) === 'YES',
    // MySQL 8 marks expression defaults as DEFAULT_GENERATED: those are ordinary columns.
    generated: /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(str(c.extra)),
    kind: columnKind(str(c.dataType)),
    charset: c.charset === null ? null : str(c.charset),
    collation: c.collation === null ? null : str(c.collation)
  }))

  const [stats] = await conn.query<RowDataPacket[]>(
    `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, SEQ_IN_INDEX AS seq, COLUMN_NAME AS col, SUB_PART AS subPart
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [db, table]
  )
  const byName = new Map<string, { unique: boolean; cols: string[]; prefix: boolean }>()
  for (const s of stats) {
    const name = str(s.name)
    const e = byName.get(name) ?? { unique: Number(s.nonUnique) === 0, cols: [], prefix: false }
    e.cols.push(str(s.col))
    if (s.subPart !== null && s.subPart !== undefined) e.prefix = true
    byName.set(name, e)
  }
  const colByName = new Map(columns.map((c) => [c.name, c]))
  let key: KeyInfo | null = null
  const primary = byName.get('PRIMARY')
  if (primary) {
    key = { name: 'PRIMARY', kind: 'primary', columns: primary.cols.map((c) => colByName.get(c)!) }
  } else {
    const candidates = [...byName.entries()]
      .filter(([, e]) => e.unique && !e.prefix && e.cols.every((c) => colByName.get(c) && !colByName.get(c)!.nullable && !colByName.get(c)!.generated))
      .sort((a, b) => a[1].cols.length - b[1].cols.length || a[0].localeCompare(b[0]))
    const best = candidates[0]
    if (best) key = { name: best[0], kind: 'unique', columns: best[1].cols.map((c) => colByName.get(c)!) }
  }

  let createSql = ''
  const type = str(t.type)
  if (type !== 'VIEW') {
    const [show] = await conn.query<RowDataPacket[]>(`SHOW CREATE TABLE ${quoteQualified(db, table)}`)
    createSql = str(show[0]?.['Create Table'])
  }
  const engine = t.engine === null ? null : str(t.engine)
  return {
    database: db,
    name: table,
    type,
    engine,
    rowsEstimate: Number(t.rowsEstimate ?? 0),
    dataBytes: Number(t.dataBytes ?? 0),
    collation: t.collation === null ? null : str(t.collation),
    columns,
    key,
    createSql,
    transactional: engine !== null && TRANSACTIONAL.has(engine.toLowerCase())
  }
}
