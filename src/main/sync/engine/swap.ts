import { createHash } from 'node:crypto'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { quoteIdent, quoteQualified } from '../mysql/identifiers'
import { parseCreateTable } from './schema/ddl'

/**
 * Putting loaded tables in place of the target's, so that the target table exists at every moment
 * and readers see all of a run's tables change at one instant:
 *
 *  1. one `RENAME TABLE t TO old, shadow TO t, ...` for every table of the group (atomic across
 *     tables on MariaDB 10.6+ and MySQL 8: it happens whole or not at all, also on a crash);
 *  2. foreign keys of other tables that pointed at a replaced table followed it to its old name
 *     (InnoDB renames references along with the table, also with foreign_key_checks off): each is
 *     pointed at the new table again, in two ALTERs that each keep one constraint in place (add a
 *     temporary one and drop the original; add the original back and drop the temporary one), since
 *     a constraint name cannot be dropped and added in one ALTER;
 *  3. the old tables are dropped.
 *
 * A run that dies between the steps leaves old tables (and maybe a temporary constraint) whose
 * names carry its tag; leftovers.ts finishes steps 2 and 3 for it (repairRetired). Every step needs
 * a write session (foreign_key_checks off, see endpoint.ts).
 */

export interface SwapPair {
  /** The loaded table. */
  shadow: string
  /** Its final name. */
  target: string
  /** The target exists and is replaced (else the shadow is only renamed into place). */
  replaces: boolean
}

/** A foreign key of a table outside the swap that references a replaced table. */
export interface ChildConstraint {
  database: string
  table: string
  name: string
  /** `CONSTRAINT ... FOREIGN KEY ... REFERENCES ...` as SHOW CREATE TABLE shows it. */
  definition: string
}

export interface SwapPlan {
  database: string
  tag: string
  pairs: SwapPair[]
  /** Old name of every replaced target. */
  retired: Map<string, string>
  children: ChildConstraint[]
}

/** Named points between the statements of a swap, where tests inject failures. */
export type SwapStep = 'rename' | 'repoint-add' | 'repoint-restore' | 'drop-old'

export interface SwapHooks {
  /** Called before each statement; a throw stops the swap there (fault tests). */
  beforeStep?(step: SwapStep, detail: string): void | Promise<void>
}

/** `_dbt_<kind>_<tag>_<name>`, cut and given a hash of the whole name when it would pass 64 characters. */
export function taggedName(kind: 'new' | 'old' | 'fk', tag: string, name: string): string {
  const prefix = `_dbt_${kind}_${tag}_`
  const chars = [...name]
  if (prefix.length + chars.length <= 64) return prefix + name
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8)
  return `${prefix}${chars.slice(0, 64 - prefix.length - 9).join('')}_${hash}`
}

/** The name a tagged name was made from, when it was not cut; else null (see originalAmong). */
export function untaggedName(kind: 'new' | 'old' | 'fk', tag: string, tagged: string): string | null {
  const prefix = `_dbt_${kind}_${tag}_`
  if (!tagged.startsWith(prefix)) return null
  const rest = tagged.slice(prefix.length)
  return taggedName(kind, tag, rest) === tagged ? rest : null
}

/** The name among `candidates` that a (possibly cut) tagged name was made from. */
export function originalAmong(kind: 'new' | 'old' | 'fk', tag: string, tagged: string, candidates: Iterable<string>): string | null {
  const plain = untaggedName(kind, tag, tagged)
  if (plain !== null) return plain
  for (const c of candidates) if (taggedName(kind, tag, c) === tagged) return c
  return null
}

/** The definition with its REFERENCES clause naming `table` (in the same database as before). */
export function withReferencedTable(definition: string, table: string): string {
  return definition.replace(/( REFERENCES )((?:`(?:[^`]|``)+`\.)?)`(?:[^`]|``)+`( \()/, (_all, pre: string, db: string, post: string) => `${pre}${db}${quoteIdent(table)}${post}`)
}

function withName(definition: string, name: string): string {
  return definition.replace(/^CONSTRAINT `(?:[^`]|``)+` /, `CONSTRAINT ${quoteIdent(name)} `)
}

/** Foreign keys of other tables (any database) that reference `tables` of `db`, with their definitions. */
export async function referencingConstraints(conn: Connection, db: string, tables: string[], exclude: Set<string>): Promise<ChildConstraint[]> {
  if (tables.length === 0) return []
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT CONSTRAINT_SCHEMA AS s, TABLE_NAME AS t, CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME IN (${tables.map(() => '?').join(', ')})
      ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME`,
    [db, ...tables]
  )
  const out: ChildConstraint[] = []
  const defs = new Map<string, Map<string, string>>()
  for (const r of rows) {
    const database = String(r.s)
    const table = String(r.t)
    if (database === db && exclude.has(table)) continue
    const key = `${database}\0${table}`
    let byName = defs.get(key)
    if (!byName) {
      byName = await constraintDefinitions(conn, database, table)
      defs.set(key, byName)
    }
    const definition = byName.get(String(r.n))
    if (definition) out.push({ database, table, name: String(r.n), definition })
  }
  return out
}

/** `CONSTRAINT ... FOREIGN KEY ...` lines of a table's SHOW CREATE TABLE, by constraint name. */
export async function constraintDefinitions(conn: Connection, db: string, table: string): Promise<Map<string, string>> {
  const [rows] = await conn.query<RowDataPacket[]>(`SHOW CREATE TABLE ${quoteQualified(db, table)}`)
  const parsed = parseCreateTable(String(rows[0]?.['Create Table'] ?? ''))
  return new Map(parsed.lines.filter((l) => l.kind === 'foreign').map((l) => [l.name!, l.text]))
}

/** Reads what the swap has to carry along (the constraints of tables outside it). */
export async function planSwap(conn: Connection, db: string, tag: string, pairs: SwapPair[]): Promise<SwapPlan> {
  const replaced = pairs.filter((p) => p.replaces).map((p) => p.target)
  const retired = new Map(replaced.map((t) => [t, taggedName('old', tag, t)]))
  const inSwap = new Set(pairs.map((p) => p.target))
  const children = await referencingConstraints(conn, db, replaced, inSwap)
  return { database: db, tag, pairs, retired, children }
}

/**
 * Points one child constraint at `parent`: add a temporary copy referencing it and drop the
 * original, then the original back and the copy dropped. Each ALTER is atomic and keeps one
 * constraint on the child (metadata only with foreign_key_checks off).
 */
export async function repointConstraint(conn: Connection, tag: string, c: ChildConstraint, parent: string, hooks: SwapHooks = {}): Promise<void> {
  const child = quoteQualified(c.database, c.table)
  const target = withReferencedTable(c.definition, parent)
  const temp = taggedName('fk', tag, c.name)
  await hooks.beforeStep?.('repoint-add', `${c.table}.${c.name}`)
  await conn.query(`ALTER TABLE ${child} ADD ${withName(target, temp)}, DROP FOREIGN KEY ${quoteIdent(c.name)}`)
  await hooks.beforeStep?.('repoint-restore', `${c.table}.${c.name}`)
  await conn.query(`ALTER TABLE ${child} ADD ${withName(target, c.name)}, DROP FOREIGN KEY ${quoteIdent(temp)}`)
}

/** Finishes a constraint a swap left under its temporary name: the original name back, pointing where it points. */
export async function restoreConstraintName(conn: Connection, c: ChildConstraint, original: string): Promise<void> {
  await conn.query(`ALTER TABLE ${quoteQualified(c.database, c.table)} ADD ${withName(c.definition, original)}, DROP FOREIGN KEY ${quoteIdent(c.name)}`)
}

export async function executeSwap(conn: Connection, plan: SwapPlan, hooks: SwapHooks = {}): Promise<void> {
  const db = plan.database
  const q = (t: string): string => quoteQualified(db, t)
  const old = [...plan.retired.values()]
  if (plan.pairs.length === 0) return
  await hooks.beforeStep?.('rename', plan.pairs.map((p) => p.target).join(', '))
  // Old names of this tag can only be left by an earlier attempt of this same run that stopped
  // after its rename and had the new tables verified again since: they are not the target.
  if (old.length) await conn.query(`DROP TABLE IF EXISTS ${old.map(q).join(', ')}`)
  const parts = plan.pairs.flatMap((p) => (p.replaces ? [`${q(p.target)} TO ${q(plan.retired.get(p.target)!)}`, `${q(p.shadow)} TO ${q(p.target)}`] : [`${q(p.shadow)} TO ${q(p.target)}`]))
  await conn.query(`RENAME TABLE ${parts.join(', ')}`)
  for (const c of plan.children) {
    const parent = /( REFERENCES )(?:`(?:[^`]|``)+`\.)?`((?:[^`]|``)+)` \(/.exec(c.definition)?.[2]?.replace(/``/g, '`')
    if (parent !== undefined) await repointConstraint(conn, plan.tag, c, parent, hooks)
  }
  if (old.length) {
    await hooks.beforeStep?.('drop-old', old.join(', '))
    await conn.query(`DROP TABLE IF EXISTS ${old.map(q).join(', ')}`)
  }
}
