import type { Connection, RowDataPacket } from 'mysql2/promise'
import { quoteQualified } from '../mysql/identifiers'
import { isOneShotTag, liveTags, taggedQueries } from './session/run-tag'
import { constraintDefinitions, originalAmong, referencingConstraints, repointConstraint, restoreConstraintName, untaggedName, withReferencedTable } from './swap'

/**
 * What runs that died left on a target: shadow tables (`_dbt_new_<tag>_*`), old tables of a swap
 * that stopped half way (`_dbt_old_<tag>_*`), constraints still under a swap's temporary name
 * (`_dbt_fk_<tag>_*`), and statements still running under their tag on either server. A run is
 * dead when its named lock is free (run-tag.ts). Its leftovers are cleared unless someone may
 * still continue them: a job that can resume keeps its shadow tables (the job engine says which
 * tags are its resumable jobs; a job tag it does not know may be another store's, and is only
 * reported). A live run's tables and statements are never touched.
 */

export type LeftoverState = 'live' | 'dead' | 'resumable'

export interface LeftoverRun {
  tag: string
  state: LeftoverState
  /** Why the state (for plans and logs). */
  reason: string
  tables: { name: string; kind: 'new' | 'old' }[]
  /** Child constraints still under a swap's temporary name. */
  constraints: { database: string; table: string; name: string }[]
  queries: { server: 'source' | 'target'; id: number }[]
}

export interface LeftoverOptions {
  /** The current run (its own tables are its checkpoints, never leftovers). */
  selfTag?: string
  /** A session on the run's source, to find statements of dead runs there too. */
  source?: Connection
  /** true: a job that may still resume; false: a job that will not; undefined: not known here. */
  resumable?(tag: string): boolean | undefined
}

const TABLE_RE = /^_dbt_(new|old)_([0-9a-z]{1,12})_./
const FK_RE = /^_dbt_fk_([0-9a-z]{1,12})_./

function like(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'
}

export async function findLeftovers(target: Connection, db: string, opts: LeftoverOptions = {}): Promise<LeftoverRun[]> {
  const runs = new Map<string, LeftoverRun>()
  const run = (tag: string): LeftoverRun => {
    let r = runs.get(tag)
    if (!r) runs.set(tag, (r = { tag, state: 'dead', reason: '', tables: [], constraints: [], queries: [] }))
    return r
  }
  const [tables] = await target.query<RowDataPacket[]>('SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?', [db, like('_dbt_')])
  for (const t of tables) {
    const name = String(t.n)
    const m = TABLE_RE.exec(name)
    if (m) run(m[2]!).tables.push({ name, kind: m[1] as 'new' | 'old' })
  }
  const [fks] = await target.query<RowDataPacket[]>(
    'SELECT CONSTRAINT_SCHEMA AS s, TABLE_NAME AS t, CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND CONSTRAINT_NAME LIKE ?',
    [db, like('_dbt_fk_')]
  )
  for (const f of fks) {
    const m = FK_RE.exec(String(f.n))
    if (m) run(m[1]!).constraints.push({ database: String(f.s), table: String(f.t), name: String(f.n) })
  }
  const targetQueries = await taggedQueries(target)
  const sourceQueries = opts.source ? await taggedQueries(opts.source) : []
  const liveOnTarget = await liveTags(target, [...runs.keys(), ...targetQueries.map((q) => q.tag)])
  const liveOnSource = opts.source ? await liveTags(opts.source, sourceQueries.map((q) => q.tag)) : new Set<string>()
  // Only statements of runs that are provably dead where they run: a live run (its lock is held
  // there) may be another DB-Taxi's run against other servers.
  for (const q of targetQueries) if (!liveOnTarget.has(q.tag) && q.tag !== opts.selfTag) run(q.tag).queries.push({ server: 'target', id: q.id })
  for (const q of sourceQueries) if (!liveOnSource.has(q.tag) && q.tag !== opts.selfTag) run(q.tag).queries.push({ server: 'source', id: q.id })
  runs.delete(opts.selfTag ?? '')
  for (const r of runs.values()) {
    if (liveOnTarget.has(r.tag)) {
      r.state = 'live'
      r.reason = 'its run is running (it holds its lock on the target)'
      r.queries = []
    } else if (isOneShotTag(r.tag)) {
      r.state = 'dead'
      r.reason = 'a one-shot run that ended without cleaning up (killed, or its server connection lost)'
    } else {
      const resumable = opts.resumable?.(r.tag)
      r.state = resumable === false ? 'dead' : 'resumable'
      r.reason =
        resumable === true
          ? 'an interrupted job that resumes into these tables'
          : resumable === false
            ? 'a job of this DB-Taxi that will not continue'
            : 'may belong to an interrupted job of another DB-Taxi store (cancel that job there to drop them)'
    }
  }
  return [...runs.values()].sort((a, b) => a.tag.localeCompare(b.tag))
}

export interface ClearedLeftovers {
  tag: string
  dropped: string[]
  killed: number
  repaired: string[]
  /** Left in place, with the reason. */
  kept: { name: string; why: string }[]
}

/**
 * Clears the dead runs among `runs`: kills their statements, finishes a swap they stopped in the
 * middle of (child constraints pointed at the table in place, temporary names restored), and
 * drops their shadow and old tables. `target` must be a write session (foreign_key_checks off).
 */
export async function clearLeftovers(target: Connection, db: string, runs: LeftoverRun[], source?: Connection): Promise<ClearedLeftovers[]> {
  const out: ClearedLeftovers[] = []
  for (const r of runs.filter((x) => x.state === 'dead')) {
    const done: ClearedLeftovers = { tag: r.tag, dropped: [], killed: 0, repaired: [], kept: [] }
    for (const q of r.queries) {
      const conn = q.server === 'source' ? source : target
      // The whole session: it belongs to a process that is gone.
      if (conn && (await conn.query(`KILL ${Number(q.id)}`).then(() => true, () => false))) done.killed++
    }
    if (done.killed > 0) await waitGone(target, r.queries.filter((q) => q.server === 'target').map((q) => q.id))
    await finishSwap(target, db, r.tag, r.constraints, r.tables.filter((x) => x.kind === 'old').map((x) => x.name), done)
    for (const t of r.tables.filter((x) => x.kind === 'new')) {
      await target.query(`DROP TABLE IF EXISTS ${quoteQualified(db, t.name)}`)
      done.dropped.push(t.name)
    }
    out.push(done)
  }
  return out
}

/**
 * Finishes a swap that stopped between its steps (swap.ts): constraints left under their temporary
 * name get their original name back; for each old table of the tag whose table stands in its place,
 * other tables' constraints that followed it are pointed at that table, then it is dropped. An old
 * table with nothing in its place is kept: it may be the only copy of its data.
 */
async function finishSwap(
  target: Connection,
  db: string,
  tag: string,
  constraints: { database: string; table: string; name: string }[],
  oldTables: string[],
  done: ClearedLeftovers
): Promise<void> {
  for (const c of constraints) {
    const original = untaggedName('fk', tag, c.name)
    const definition = (await constraintDefinitions(target, c.database, c.table)).get(c.name)
    if (!definition) continue
    const def = { ...c, definition }
    if (original === null) {
      done.kept.push({ name: `${c.table}.${c.name}`, why: 'its original name was too long to recover; rename the constraint by hand' })
      continue
    }
    await restoreConstraintName(target, def, original)
    done.repaired.push(`${c.table}.${original}`)
  }
  const present = await tablesOf(target, db)
  for (const t of oldTables.map((name) => ({ name }))) {
    const original = originalAmong('old', tag, t.name, present)
    if (original === null || !present.includes(original)) {
      done.kept.push({ name: t.name, why: 'no table stands in its place, so it may be the only copy of its data' })
      continue
    }
    // Constraints of other tables that followed it when it was renamed away go back to the table in its place.
    const children = (await referencingConstraints(target, db, [t.name], new Set())).filter((c) => !(c.database === db && c.table.startsWith('_dbt_')))
    for (const c of children) {
      await repointConstraint(target, tag, { ...c, definition: withReferencedTable(c.definition, t.name) }, original)
      done.repaired.push(`${c.table}.${c.name}`)
    }
    await target.query(`DROP TABLE IF EXISTS ${quoteQualified(db, t.name)}`)
    done.dropped.push(t.name)
  }
}

/**
 * Before a job's next attempt (it holds the tag's lock, so its earlier attempt is dead): finishes a
 * swap that attempt stopped in the middle of, as clearLeftovers does for other runs. Its shadow
 * tables are its checkpoints and stay.
 */
export async function finishOwnSwap(target: Connection, db: string, tag: string): Promise<ClearedLeftovers | null> {
  const own = (await findLeftovers(target, db)).find((r) => r.tag === tag)
  const old = own?.tables.filter((t) => t.kind === 'old').map((t) => t.name) ?? []
  if (!own || (old.length === 0 && own.constraints.length === 0)) return null
  const done: ClearedLeftovers = { tag, dropped: [], killed: 0, repaired: [], kept: [] }
  await finishSwap(target, db, tag, own.constraints, old, done)
  return done
}

async function tablesOf(conn: Connection, db: string): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db])
  return rows.map((r) => String(r.n))
}

/** Waits (bounded) until killed sessions are gone, so their metadata locks do not hold up the drops. */
async function waitGone(conn: Connection, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  for (let i = 0; i < 100; i++) {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (${ids.map(() => '?').join(', ')})`, ids)
    if (Number(rows[0]?.n) === 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** One line per run, for logs, plans and the CLI. */
export function describeLeftovers(runs: LeftoverRun[]): string[] {
  return runs.map((r) => {
    const what = [
      r.tables.length ? `table(s) ${r.tables.map((t) => t.name).join(', ')}` : '',
      r.constraints.length ? `constraint(s) ${r.constraints.map((c) => `${c.table}.${c.name}`).join(', ')}` : '',
      r.queries.length ? `${r.queries.length} running statement(s)` : ''
    ].filter(Boolean)
    const action = r.state === 'dead' ? 'will be cleared' : 'left alone'
    return `run ${r.tag}: ${what.join('; ')} (${r.reason}; ${action})`
  })
}

export function describeCleared(c: ClearedLeftovers): string {
  const parts = [
    c.dropped.length ? `dropped ${c.dropped.join(', ')}` : '',
    c.killed ? `killed ${c.killed} statement(s)` : '',
    c.repaired.length ? `restored constraint(s) ${c.repaired.join(', ')}` : '',
    c.kept.length ? `kept ${c.kept.map((k) => `${k.name} (${k.why})`).join(', ')}` : ''
  ].filter(Boolean)
  return `cleared what the dead run ${c.tag} left: ${parts.join('; ') || 'nothing left'}`
}

