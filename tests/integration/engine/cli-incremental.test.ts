import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../helpers/cli'
import type { PrivateServer } from '../../helpers/mariadb'
import { ALL_TYPES_DDL, ALL_TYPES_ROWS } from './all-types'
import { connect, createDb, expectSameTable, privateServer, url } from './support'

/**
 * `db-taxi sync --mode incremental` as a user runs it from cron (issue 13 item 6): the watermarks
 * live in the data dir's store, the every-type table goes through the upsert path byte for byte, a
 * second run writes nothing, `--dry-run` shows where it would read from, `--reset-watermark` starts
 * over, and wrong flags are usage errors (exit 2) that change nothing.
 */

interface JsonTable {
  source: string
  mode: string
  status: string
  inserted: number
  updated: number
  rowsWritten: number
  repaired?: number
  verified: boolean | null
  watermark?: { before: string[] | null; after: string[] | null }
  notes: string[]
}

describe('db-taxi sync --mode incremental (CLI)', () => {
  let server: PrivateServer
  let s: Connection
  let t: Connection
  let dataDir: string
  const src = (): string => url(server, 'inc_src')
  const dst = (): string => url(server, 'inc_dst')
  // No lag: this server's clock is the only one, and the counts below are exact.
  const env = (): NodeJS.ProcessEnv => ({ DBT_DATA_DIR: dataDir, DBT_SYNC_INCREMENTAL_LAG: '0s' })
  const sync = (extra: string[]): ReturnType<typeof runCli> =>
    runCli(['sync', '--source', src(), '--target', dst(), '--tables', 'all_types', '--mode', 'incremental', '--cursor', 'all_types=ts_upd', '--json', ...extra], env())
  const table = (stdout: string): JsonTable => (JSON.parse(stdout) as { tables: JsonTable[] }).tables[0]!

  beforeAll(async () => {
    server = await privateServer([])
    await createDb(server, 'inc_src')
    await createDb(server, 'inc_dst')
    s = await connect(server, 'inc_src', '')
    await s.query(ALL_TYPES_DDL)
    for (const sql of ALL_TYPES_ROWS) await s.query(sql)
    // The rows hold the extremes of every type, ts_upd's included (2038): one time for all of them,
    // so the changes below move past the watermark.
    await s.query("UPDATE all_types SET ts_upd = '2026-01-01 00:00:00'")
    t = await connect(server, 'inc_dst')
    dataDir = mkdtempSync(join(tmpdir(), 'dbt-cli-inc-'))
  }, 120_000)

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await server?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('copies whole first, then carries changes of every type, then writes nothing', async () => {
    const first = sync([])
    expect(first.code, first.stderr).toBe(0)
    expect(table(first.stdout)).toMatchObject({ mode: 'incremental', status: 'done', verified: true, watermark: { before: null } })
    expect(table(first.stdout).watermark?.after?.[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    await expectSameTable(s, 'inc_src', 'all_types', t, 'inc_dst')

    // ts_upd moves on its own (ON UPDATE CURRENT_TIMESTAMP); a copy of a row arrives as a new one.
    await s.query("UPDATE all_types SET vc = 'changed ✓', bi = -1, ts_upd = ts_upd + INTERVAL 1 HOUR WHERE id = (SELECT MIN(id) FROM (SELECT id FROM all_types) x)")
    const [cols] = await s.query<import('mysql2/promise').RowDataPacket[]>(
      "SELECT GROUP_CONCAT(CONCAT('`', COLUMN_NAME, '`') ORDER BY ORDINAL_POSITION) AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'inc_src' AND TABLE_NAME = 'all_types' AND COLUMN_NAME NOT IN ('id', 'ts_upd') AND EXTRA NOT LIKE '%GENERATED%'"
    )
    const list = String(cols[0]!.c)
    await s.query(`INSERT INTO all_types (${list}, ts_upd) SELECT ${list}, ts_upd + INTERVAL 2 HOUR FROM all_types ORDER BY id DESC LIMIT 1`)
    const second = sync([])
    expect(second.code, second.stderr).toBe(0)
    expect(table(second.stdout)).toMatchObject({ inserted: 1, updated: 1, rowsWritten: 2, repaired: 0, verified: true })
    await expectSameTable(s, 'inc_src', 'all_types', t, 'inc_dst')

    const idle = sync([])
    expect(idle.code, idle.stderr).toBe(0)
    expect(table(idle.stdout)).toMatchObject({ inserted: 0, updated: 0, rowsWritten: 0 })
    // Both ends of the watermark are arrays in the JSON (not the redactor's "[...]" for a shared array).
    expect(Array.isArray(table(idle.stdout).watermark?.before) && Array.isArray(table(idle.stdout).watermark?.after)).toBe(true)
    expect(table(idle.stdout).notes).toContain('nothing at or past the watermark changed since the last run: 0 rows written by the cursor')

    // The human summary says what the run did.
    const text = runCli(['sync', '--source', src(), '--target', dst(), '--tables', 'all_types', '--mode', 'incremental', '--cursor', 'ts_upd'], env())
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/all_types -> all_types: 0 rows \(0 inserted, 0 updated; watermark \d{4}-/)
  })

  it('--dry-run shows the upsert and its watermark; --reset-watermark copies whole again', () => {
    const plan = sync(['--dry-run'])
    expect(plan.code, plan.stderr).toBe(0)
    const p = (JSON.parse(plan.stdout) as { tables: { action: string; mode: string; cursor: string[]; watermark: string[] | null; notes: string[] }[] }).tables[0]!
    expect(p).toMatchObject({ action: 'upsert', mode: 'incremental', cursor: ['ts_upd'] })
    expect(p.watermark?.[0]).toMatch(/^\d{4}-/)
    expect(p.notes.join('\n')).toMatch(/deletes on the source are not carried/)
    const again = sync(['--reset-watermark'])
    expect(again.code, again.stderr).toBe(0)
    expect(table(again.stdout).watermark?.before).toBeNull()
    expect(table(again.stdout).notes.join('\n')).toMatch(/no watermark yet: copied whole/)
  })

  it('--json answers on stdout also when the run is refused before it starts', () => {
    const r = runCli(['sync', '--source', src(), '--target', dst(), '--tables', 'all_types', '--mode', 'incremental', '--cursor', 'all_types=nope', '--json'], env())
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', error: { code: 'VALIDATION' } })
  })

  it('refuses flags that do not fit with exit 2 and a message', () => {
    const cases: [string[], RegExp][] = [
      [['--tables', 'all_types', '--mode', 'incremental'], /all_types is incremental but has no cursor/],
      [['--tables', 'all_types', '--mode', 'diff', '--max-deletes', 'lots'], /--max-deletes expects a count or a percentage/],
      [['--tables', 'all_types', '--mode', 'fast'], /--mode must be one of full, incremental, diff/],
      [['--tables', 'all_types', '--cursor', 'all_types=ts_upd'], /only used by mode incremental/],
      [['--tables', 'all_types', '--mode', 'other=incremental', '--cursor', 'other=x'], /names other, which --tables does not list/],
      [['--tables', 'all_types', '--mode', 'incremental', '--cursor', 'all_types='], /--cursor expects COL/],
      [['--tables', 'all_types', '--reset-watermark'], /--reset-watermark is for incremental tables/],
      [['--all', '--mode', 'incremental'], /needs a cursor for every table/],
      [['--tables', 'all_types', '--mode', 'incremental', '--cursor', 'bl'], /The column bl of all_types \(blob\) cannot be a cursor/]
    ]
    for (const [args, message] of cases) {
      const r = runCli(['sync', '--source', src(), '--target', dst(), ...args], env())
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.stderr).toMatch(message)
    }
  })
})
