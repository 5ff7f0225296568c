import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrivateServer } from '../../helpers/mariadb'
import { openSession } from '../../../src/main/sync/engine/session/endpoint'
import { resolveTasks, type TableSelection } from '../../../src/main/sync/engine/plan'
import { runFullCopy, type RunSummary } from '../../../src/main/sync/engine/run'
import { previewRun } from '../../../src/main/sync/engine/preview'
import { chunkSum } from '../../../src/main/sync/engine/compare/verify'
import { readTableInfo } from '../../../src/main/sync/engine/schema/table-info'
import type { RunHooks, RunOptions, TableResult } from '../../../src/main/sync/engine/types'
import { ALL_TYPES_DDL, ALL_TYPES_ROWS } from './all-types'
import { connect, countRows, createDb, endpoint, expectSameTable, expectSucceeded, options, privateServer, q } from './support'

/**
 * Diff runs against real MariaDB (issue 13 item 3), asserting on the data: after every run the target
 * equals the source row by row (and by CHECKSUM TABLE where it is whole). Changes are random (a
 * seeded generator): inserts, updates, deletes, key changes, NULL to value and back, utf8mb4 text,
 * rows moving in and out of a filter.
 */

let server: PrivateServer
const SRC = 'diff_src'
const DST = 'diff_dst'
let s: Connection
let t: Connection

beforeAll(async () => {
  server = await privateServer([])
  await createDb(server, SRC)
  await createDb(server, DST)
  s = await connect(server, SRC, '')
  t = await connect(server, DST)
}, 120_000)

afterAll(async () => {
  await s?.end()
  await t?.end()
  await server?.stop()
})

async function run(tables: TableSelection['tables'], o: Partial<RunOptions> = {}, hooks: RunHooks = {}): Promise<RunSummary> {
  const source = endpoint(server, SRC)
  const target = endpoint(server, DST)
  const meta = await openSession(source, 'meta')
  let tasks
  try {
    tasks = await resolveTasks(meta, SRC, { tables })
  } finally {
    await meta.end()
  }
  return runFullCopy({ source, target, sourceDatabase: SRC, targetDatabase: DST, tables: tasks, options: options(o) }, hooks)
}

function table(summary: RunSummary, name: string): TableResult {
  return summary.tables.find((x) => x.source === name)!
}

/** mulberry32: a small seeded generator, so a failure repeats. */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const same = (name: string, opts: { where?: string } = {}): Promise<void> => expectSameTable(s, SRC, name, t, DST, name, opts)

describe('diff runs', () => {
  it.each(['bulk', 'load-data', 'insert'] as const)('random inserts, updates, deletes and key changes, NULLs and utf8mb4 (%s)', async (writePath) => {
    const name = `rand_${writePath.replace('-', '_')}`
    await s.query(`CREATE TABLE ${name} (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, note VARCHAR(100) CHARACTER SET utf8mb4 NULL, amount DECIMAL(10,2) NULL, UNIQUE KEY (code))`)
    await s.query(`INSERT INTO ${name} SELECT seq, CONCAT('c', seq), IF(seq % 5 = 0, NULL, CONCAT('n', seq)), seq / 3 FROM seq_1_to_3000`)
    const mapping = [{ source: name, mode: 'diff' as const }]
    const first = await run(mapping, { writePath })
    expectSucceeded(first)
    expect(table(first, name).notes.join('\n')).toMatch(/copied whole/)
    const rand = rng(42)
    let nextId = 10_000
    let expected = { ins: 0, upd: 0, del: 0 }
    for (let i = 0; i < 120; i++) {
      const id = 1 + Math.floor(rand() * 3000)
      const r = rand()
      if (r < 0.3) {
        const n = await s.query(`UPDATE ${name} SET note = IF(note IS NULL, 'ünï ✓ 😀', NULL), amount = amount + 1 WHERE id = ?`, [id])
        expected.upd += (n[0] as { affectedRows: number }).affectedRows
      } else if (r < 0.5) {
        const n = await s.query(`DELETE FROM ${name} WHERE id = ?`, [id])
        expected.del += (n[0] as { affectedRows: number }).affectedRows
      } else if (r < 0.7) {
        await s.query(`INSERT INTO ${name} VALUES (?, ?, 'new', 1)`, [nextId, `new${nextId}`])
        nextId++
        expected.ins++
      } else if (r < 0.85) {
        // A key change: the old key disappears, a new one appears.
        const n = await s.query(`UPDATE ${name} SET id = ? WHERE id = ?`, [nextId++, id])
        const moved = (n[0] as { affectedRows: number }).affectedRows
        expected.del += moved
        expected.ins += moved
      } else {
        // A unique value moves from one row to another (deleted first in the target's transaction).
        const [rows] = await s.query(`SELECT code FROM ${name} WHERE id = ?`, [id])
        const code = (rows as { code: string }[])[0]?.code
        if (!code) continue
        await s.query(`DELETE FROM ${name} WHERE id = ?`, [id])
        await s.query(`INSERT INTO ${name} VALUES (?, ?, 'took the code', 2)`, [nextId++, code])
        expected.del++
        expected.ins++
      }
    }
    const r = await run(mapping, { writePath, maxDeletes: '50%' })
    expectSucceeded(r)
    const got = table(r, name)
    expect(got.verified).toBe(true)
    // Rows changed twice count once; each kind is within what the generator did.
    expect(got.inserted).toBeGreaterThan(0)
    expect(got.deleted).toBeGreaterThan(0)
    expect(got.updated).toBeGreaterThan(0)
    expect(got.inserted).toBeLessThanOrEqual(expected.ins)
    expect(got.deleted).toBeLessThanOrEqual(expected.del)
    await same(name)
    const again = await run(mapping, { writePath })
    expectSucceeded(again)
    expect(table(again, name)).toMatchObject({ inserted: 0, updated: 0, deleted: 0, rowsWritten: 0 })
    expect(table(again, name).notes).toContain('source and target were already equal: 0 rows written')
    expected = { ins: 0, upd: 0, del: 0 }
  })

  it('every column type of the full-copy suite, changed and compared', async () => {
    for (const sql of [ALL_TYPES_DDL, ...ALL_TYPES_ROWS]) await s.query(sql)
    const mapping = [{ source: 'all_types', mode: 'diff' as const }]
    expectSucceeded(await run(mapping))
    await s.query("UPDATE all_types SET vc = 'x✓', bl = UNHEX('00FF00'), j = '{\"a\": [1, 2]}', dtm6 = '2026-01-02 03:04:05.123456', b64 = b'1' WHERE id = (SELECT MIN(id) FROM (SELECT id FROM all_types) x)")
    await s.query('DELETE FROM all_types WHERE id = (SELECT MAX(id) FROM (SELECT id FROM all_types) x)')
    const r = await run(mapping, { maxDeletes: '100%' })
    expectSucceeded(r)
    expect(table(r, 'all_types')).toMatchObject({ updated: 1, deleted: 1, verified: true })
    await same('all_types')
  })

  it('keys as the server compares them: case, trailing spaces, binary, composite, long shared prefixes', async () => {
    await s.query('CREATE TABLE ck (k VARCHAR(300) COLLATE utf8mb4_general_ci NOT NULL, part TINYINT NOT NULL, v INT, PRIMARY KEY (k, part))')
    const long = 'p'.repeat(280)
    await s.query("INSERT INTO ck VALUES ('abc', 1, 1), ('abc', 2, 2), ('a', 1, 3), (?, 1, 4), (?, 1, 5), ('Ünï', 1, 6)", [`${long}x`, `${long}y`])
    await s.query('CREATE TABLE bk (id BINARY(16) PRIMARY KEY, v INT NOT NULL)')
    await s.query('INSERT INTO bk SELECT UNHEX(MD5(seq)), seq FROM seq_1_to_500')
    // Decimal and microsecond keys whose values share their integer part (HEX(1.5) = HEX(1.6) = '2').
    await s.query('CREATE TABLE dk (price DECIMAL(10,3) NOT NULL, at DATETIME(6) NOT NULL, v INT, PRIMARY KEY (price, at))')
    await s.query("INSERT INTO dk VALUES (1.5, '2024-01-01 00:00:00.000001', 1), (1.6, '2024-01-01 00:00:00.000001', 2), (2, '2024-01-01 00:00:00.000001', 3), (2, '2024-01-01 00:00:00.000002', 4)")
    const mapping = [
      { source: 'ck', mode: 'diff' as const },
      { source: 'bk', mode: 'diff' as const },
      { source: 'dk', mode: 'diff' as const }
    ]
    expectSucceeded(await run(mapping))
    await s.query("UPDATE ck SET k = 'ABC' WHERE k = 'abc' AND part = 1")
    await s.query("UPDATE ck SET k = 'a   ' WHERE k = 'a'")
    await s.query("UPDATE ck SET k = 'ünï' WHERE v = 6")
    await s.query('UPDATE ck SET v = 50 WHERE k = ?', [`${long}y`])
    await s.query('DELETE FROM ck WHERE k = ?', [`${long}x`])
    await s.query('UPDATE bk SET v = -v WHERE v % 100 = 0')
    await s.query('DELETE FROM bk WHERE v = 7')
    await s.query('INSERT INTO bk VALUES (UNHEX(MD5(9999)), 9999)')
    await s.query('DELETE FROM dk WHERE price = 1.5')
    await s.query("UPDATE dk SET v = 20 WHERE price = 1.6 OR at = '2024-01-01 00:00:00.000002'")
    await s.query("INSERT INTO dk VALUES (1.7, '2024-01-01 00:00:00.000001', 5)")
    const r = await run(mapping, { maxDeletes: '50%' })
    expectSucceeded(r)
    // Case, spaces and accents change the key's bytes, not the key: updates, not delete + insert.
    expect(table(r, 'ck')).toMatchObject({ updated: 4, deleted: 1, inserted: 0 })
    expect(table(r, 'bk')).toMatchObject({ updated: 5, deleted: 1, inserted: 1 })
    expect(table(r, 'dk')).toMatchObject({ updated: 2, deleted: 1, inserted: 1 })
    await same('ck')
    await same('bk')
    await same('dk')
  })

  it('rows that differ only in where a tab or a NULL falls are told apart, by the row digest and by chunk checksums', async () => {
    // Fields once joined by bare tabs: ('x\t', 'y') and ('x', '\ty') read the same, and so did
    // ('p\t0', NULL) with a NULL marker and ('p', '1').
    await s.query('CREATE TABLE amb (id INT PRIMARY KEY, a VARCHAR(10) NOT NULL, b VARCHAR(10) NULL, c BLOB NULL)')
    await s.query("INSERT INTO amb VALUES (1, 'x\t', 'y', NULL), (2, 'p\t0', NULL, NULL), (3, 'q', '1', 'z'), (4, 'big', NULL, REPEAT('b', 5000))")
    const mapping = [{ source: 'amb', mode: 'diff' as const }]
    expectSucceeded(await run(mapping))
    await same('amb')
    // The target is given each row's twin, and a long value's MD5 in place of the value.
    await t.query("UPDATE amb SET a = 'x', b = '\ty' WHERE id = 1")
    await t.query("UPDATE amb SET a = 'p', b = '1' WHERE id = 2")
    await t.query("UPDATE amb SET b = NULL, c = NULL WHERE id = 3")
    await t.query('UPDATE amb SET c = MD5(c) WHERE id = 4')
    const info = await readTableInfo(s, SRC, 'amb')
    for (const row of [1, 2, 3, 4]) {
      const range = { index: 0, after: [BigInt(row - 1)], upTo: [BigInt(row)] }
      const [a, b] = await Promise.all([chunkSum({ conn: s, database: SRC, table: 'amb' }, info.columns, info.key, range), chunkSum({ conn: t, database: DST, table: 'amb' }, info.columns, info.key, range)])
      expect(a.hash, `row ${row}`).not.toBe(b.hash)
    }
    const r = await run(mapping)
    expectSucceeded(r)
    expect(table(r, 'amb')).toMatchObject({ updated: 4, inserted: 0, deleted: 0, verified: true })
    await same('amb')
  })

  it.each(['bulk', 'load-data', 'insert'] as const)('latin1 keys with bytes past ASCII are deleted and updated on the target (%s)', async (writePath) => {
    const name = `l1_${writePath.replace('-', '_')}`
    await s.query(`CREATE TABLE ${name} (k VARCHAR(10) CHARACTER SET latin1 NOT NULL PRIMARY KEY, v INT NOT NULL)`)
    // 0xE9 (é), 0x81 and 0x80 (the C1 and cp1252 corners) and 0xFF (ÿ), alone and inside a key.
    await s.query(`INSERT INTO ${name} VALUES (X'E9', 1), (X'81', 2), (X'80', 3), (X'FF', 4), (X'61E962', 5), (X'61FF', 6), ('plain', 7), ('other', 8)`)
    const mapping = [{ source: name, mode: 'diff' as const }]
    expectSucceeded(await run(mapping, { writePath }))
    await same(name)
    await s.query(`DELETE FROM ${name} WHERE v IN (1, 2, 3, 4)`)
    await s.query(`UPDATE ${name} SET v = -v WHERE v IN (5, 6)`)
    await s.query(`INSERT INTO ${name} VALUES (X'E9E9', 9)`)
    const r = await run(mapping, { writePath, maxDeletes: '100%' })
    expectSucceeded(r)
    expect(table(r, name)).toMatchObject({ deleted: 4, updated: 2, inserted: 1, verified: true })
    await same(name)
    const [left] = await t.query(`SELECT HEX(k) AS k FROM ${name} ORDER BY HEX(k)`)
    expect((left as { k: string }[]).map((x) => x.k)).toEqual(['61E962', '61FF', 'E9E9', '6F74686572', '706C61696E'].sort())
  })

  it('keys wider than a page of row digests holds are compared in smaller pages', async () => {
    // 1,200 keys of 3,000 latin1 bytes: a 5,000-row digest would be ~14 MB, past the 4 MB GROUP_CONCAT allows.
    await s.query('CREATE TABLE wide (k VARCHAR(3000) CHARACTER SET latin1 NOT NULL, v INT NOT NULL, PRIMARY KEY (k)) ROW_FORMAT=DYNAMIC')
    await s.query("INSERT INTO wide SELECT CONCAT(LPAD(seq, 6, '0'), REPEAT('k', 2994)), seq FROM seq_1_to_1200")
    const mapping = [{ source: 'wide', mode: 'diff' as const }]
    expectSucceeded(await run(mapping))
    await s.query('UPDATE wide SET v = -v WHERE v % 10 = 0')
    await s.query('DELETE FROM wide WHERE v = 7 OR v = 1199')
    await s.query("INSERT INTO wide VALUES (CONCAT('zz', REPEAT('k', 2998)), 0)")
    const r = await run(mapping, { maxDeletes: '50%' })
    expectSucceeded(r)
    expect(table(r, 'wide')).toMatchObject({ updated: 120, deleted: 2, inserted: 1, verified: true })
    await same('wide')
  })

  it('under a row filter, rows that move out are deleted and rows that move in are inserted; excluded columns are neither compared nor written', async () => {
    await s.query('CREATE TABLE filt (id INT PRIMARY KEY, status VARCHAR(10) NOT NULL, secret VARCHAR(20) NOT NULL)')
    await s.query("INSERT INTO filt SELECT seq, IF(seq % 2 = 0, 'live', 'old'), CONCAT('s', seq) FROM seq_1_to_200")
    const mapping = [{ source: 'filt', mode: 'diff' as const, where: "status = 'live'", excludeColumns: ['secret'] }]
    expectSucceeded(await run(mapping))
    expect(await countRows(t, DST, 'filt')).toBe(100)
    await s.query("UPDATE filt SET status = 'old' WHERE id IN (2, 4)")
    await s.query("UPDATE filt SET status = 'live' WHERE id IN (1, 3, 5)")
    await s.query("UPDATE filt SET secret = 'changed' WHERE id = 6")
    const r = await run(mapping)
    expectSucceeded(r)
    expect(table(r, 'filt')).toMatchObject({ inserted: 3, deleted: 2, updated: 0 })
    await same('filt', { where: "status = 'live'", exclude: ['secret'] } as { where: string })
  })

  it('the delete guard stops a run that would empty a table before it changes anything', async () => {
    await s.query('CREATE TABLE guarded (id INT PRIMARY KEY, v INT NOT NULL)')
    await s.query('INSERT INTO guarded SELECT seq, seq FROM seq_1_to_1000')
    const mapping = [{ source: 'guarded', mode: 'diff' as const }]
    expectSucceeded(await run(mapping))
    await s.query('DELETE FROM guarded WHERE id > 10')
    await s.query('UPDATE guarded SET v = 0 WHERE id = 1')
    const stopped = await run(mapping)
    expect(stopped.status).toBe('failed')
    expect(stopped.error?.code).toBe('DELETE_GUARD')
    expect(stopped.error?.message).toMatch(/would delete 990 of the 1000 rows/)
    // Nothing changed, the update neither.
    expect(await countRows(t, DST, 'guarded')).toBe(1000)
    expect(await countRows(t, DST, 'guarded', 'id = 1 AND v = 1')).toBe(1)
    const counted = await run(mapping, { maxDeletes: 989 })
    expect(counted.error?.code).toBe('DELETE_GUARD')
    const allowed = await run(mapping, { allowDeletes: true })
    expectSucceeded(allowed)
    expect(table(allowed, 'guarded')).toMatchObject({ deleted: 990, updated: 1 })
    await same('guarded')
  })

  it('a run stopped mid-apply, then run again, converges; a writer on the source during a run does not disturb it', async () => {
    await s.query('CREATE TABLE conv (id INT PRIMARY KEY, v INT NOT NULL)')
    await s.query('INSERT INTO conv SELECT seq, seq FROM seq_1_to_5000')
    const mapping = [{ source: 'conv', mode: 'diff' as const }]
    expectSucceeded(await run(mapping, { chunkRows: 500 }))
    await s.query('UPDATE conv SET v = -v WHERE id % 7 = 0')
    const ac = new AbortController()
    const stopped = await run(mapping, { chunkRows: 500, parallelism: 1 }, {
      signal: ac.signal,
      progress: (p) => {
        if (p.status === 'copying' && p.updated > 0) ac.abort()
      }
    })
    expect(stopped.status).toBe('cancelled')
    const partly = await countRows(t, DST, 'conv', 'v < 0')
    expect(partly).toBeGreaterThan(0)
    expect(partly).toBeLessThan(714)
    let wrote = false
    const again = await run(mapping, { chunkRows: 500 }, {
      progress: (p) => {
        // Written while the run compares: the run sees its snapshot, the next run the change.
        if (!wrote && p.status === 'copying') {
          wrote = true
          void s.query('UPDATE conv SET v = 0 WHERE id = 1')
        }
      }
    })
    expectSucceeded(again)
    expect(table(again, 'conv').updated).toBe(714 - partly)
    expectSucceeded(await run(mapping, { chunkRows: 500 }))
    await same('conv')
  })

  it('refuses a table without a key, suggesting full', async () => {
    await s.query('CREATE TABLE nokey2 (a INT, b INT)')
    await expect(run([{ source: 'nokey2', mode: 'diff' }])).rejects.toThrow(/no primary key or unique NOT NULL key.*use mode full/)
    const rows = await q(t, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [DST, 'nokey2'])
    expect(rows).toEqual([])
  })

  it('preview counts equal what the run then applies, with sample rows and changed columns, and change nothing', async () => {
    await s.query('CREATE TABLE prev (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, qty INT NULL) CHARSET utf8mb4')
    await s.query("INSERT INTO prev SELECT seq, CONCAT('n', seq), seq FROM seq_1_to_2000")
    const mapping = [{ source: 'prev', mode: 'diff' as const }]
    expectSucceeded(await run(mapping))
    await s.query("UPDATE prev SET name = 'renamed ✓', qty = NULL WHERE id IN (5, 6)")
    await s.query('UPDATE prev SET qty = qty + 1 WHERE id BETWEEN 100 AND 129')
    await s.query('DELETE FROM prev WHERE id IN (7, 1500)')
    await s.query("INSERT INTO prev VALUES (5000, 'new', 1)")
    const meta = await openSession(endpoint(server, SRC), 'meta')
    const tasks = await resolveTasks(meta, SRC, { tables: mapping })
    await meta.end()
    const before = await q(t, 'CHECKSUM TABLE prev')
    const [p] = await previewRun({ source: endpoint(server, SRC), target: endpoint(server, DST), sourceDatabase: SRC, targetDatabase: DST, tables: tasks, options: options() })
    expect(p).toMatchObject({ exact: true, inserts: 1, updates: 32, deletes: 2 })
    expect(p!.samples.updates).toHaveLength(20)
    expect(p!.samples.updates.find((r) => r.key.id === '5')?.changes).toEqual([
      { column: 'name', old: 'n5', new: 'renamed ✓' },
      { column: 'qty', old: '5', new: null }
    ])
    expect(p!.samples.inserts).toEqual([{ key: { id: '5000' }, values: { id: '5000', name: 'new', qty: '1' } }])
    expect(p!.samples.deletes.map((r) => r.key.id).sort()).toEqual(['1500', '7'])
    expect(await q(t, 'CHECKSUM TABLE prev')).toEqual(before)
    const r = await run(mapping)
    expect(table(r, 'prev')).toMatchObject({ inserted: p!.inserts, updated: p!.updates, deleted: p!.deletes })
    await same('prev')
  })
})
