import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../helpers/mariadb'
import { checksum, connect, copy, countRows, expectSameTable, expectSucceeded, leftoverShadows, PATHS, q, type Side } from './support'

/**
 * Cancel and failure in the middle of a copy: under `replace` the existing target table must be
 * exactly as it was, the shadow table gone, and nothing of the run left running on either server.
 */

const ROWS = 200_000

describe.each(PATHS)('cancel and failure mid-copy (%s path)', (path) => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let dst: Awaited<ReturnType<typeof createTestDatabase>>
  let s: Connection
  let t: Connection
  const S = (): Side => ({ addr: src.addr, db: src.name })
  const T = (): Side => ({ addr: dst.addr, db: dst.name })

  beforeAll(async () => {
    src = await createTestDatabase(`faults_${path.replace('-', '')}_src`)
    dst = await createTestDatabase(`faults_${path.replace('-', '')}_dst`)
    s = await connect(src.addr, src.name)
    t = await connect(dst.addr, dst.name)
    await s.query('CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, customer VARCHAR(40) NOT NULL, note VARCHAR(100), amount DECIMAL(10,2), KEY by_customer (customer)) ENGINE=InnoDB')
    await s.query(`INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 997), REPEAT('n', seq % 90), seq / 100 FROM seq_1_to_${ROWS}`)
    // The target already holds an older copy: this is what must survive.
    await t.query('CREATE TABLE orders LIKE ' + `\`${src.name}\`.orders`)
    await t.query(`INSERT INTO orders SELECT * FROM \`${src.name}\`.orders WHERE id <= 5000`)
    await t.query("UPDATE orders SET note = 'old copy' WHERE id % 10 = 0")
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await src?.drop()
    await dst?.drop()
  })

  /** Statements of this run still running on a server (there must be none once the run returned). */
  const running = async (c: Connection, db: string): Promise<string[]> => {
    const rows = await q(c, "SELECT INFO AS i FROM information_schema.PROCESSLIST WHERE COMMAND NOT IN ('Sleep') AND ID <> CONNECTION_ID() AND INFO LIKE ?", [`%${db}%`])
    return rows.map((r) => String(r.i).slice(0, 120))
  }

  it('cancel after the first chunk: the old table is untouched and no shadow remains', async () => {
    const before = await checksum(t, dst.name, 'orders')
    const ac = new AbortController()
    let abortedAt = 0
    const summary = await copy(S(), T(), { tables: [{ source: 'orders' }] }, { chunkRows: 2000, parallelism: 2, writePath: path }, {
      signal: ac.signal,
      progress: (r) => {
        if (r.rowsWritten > 0 && !abortedAt) {
          abortedAt = Date.now()
          ac.abort()
        }
      }
    })
    const took = Date.now() - abortedAt
    expect(abortedAt).toBeGreaterThan(0)
    expect(summary.status).toBe('cancelled')
    expect(summary.error?.code).toBe('CANCELLED')
    expect(summary.tables[0]).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' }, verified: null })
    expect(summary.tables[0]!.rowsWritten).toBeLessThan(ROWS)
    expect(took).toBeLessThan(2000)
    expect(await checksum(t, dst.name, 'orders')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
    await expect.poll(() => running(t, dst.name), { timeout: 2000 }).toEqual([])
    await expect.poll(() => running(s, src.name), { timeout: 2000 }).toEqual([])
  })

  it('cancel in the middle of one long chunk returns within two seconds and stops the statements', async () => {
    const before = await checksum(t, dst.name, 'orders')
    const ac = new AbortController()
    // One chunk over every row, made slow on the source by an expensive filter.
    const started = Date.now()
    setTimeout(() => ac.abort(), 700)
    const summary = await copy(
      S(),
      T(),
      { tables: [{ source: 'orders', where: "SHA2(REPEAT(CONCAT(customer, note), 60), 512) <> ''" }] },
      { chunkRows: ROWS * 2, parallelism: 1, writePath: path },
      { signal: ac.signal }
    )
    const took = Date.now() - started - 700
    expect(summary.status).toBe('cancelled')
    expect(took).toBeLessThan(2000)
    expect(await checksum(t, dst.name, 'orders')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
    await expect.poll(() => running(s, src.name), { timeout: 2000 }).toEqual([])
    // A dropped session's statement can show in the processlist for a moment while the server
    // rolls it back (seen once in CI on the INSERT path).
    await expect.poll(() => running(t, dst.name), { timeout: 2000 }).toEqual([])
  })

  it('cancel while the secondary indexes are built (on a session of their own): the run ends cancelled at once, nothing is left', async () => {
    const before = await checksum(t, dst.name, 'orders')
    const ac = new AbortController()
    let building = 0
    const summary = await copy(S(), T(), { tables: [{ source: 'orders' }] }, { chunkRows: 50_000, parallelism: 2, writePath: path }, {
      signal: ac.signal,
      log: (_level, message) => {
        // At once: the build's session may still be opening, when a cancel finds no ALTER to kill.
        if (message.includes('secondary index')) {
          building = Date.now()
          ac.abort()
        }
      }
    })
    expect(building).toBeGreaterThan(0)
    expect(summary.status).toBe('cancelled')
    expect(Date.now() - building).toBeLessThan(2000)
    expect(await checksum(t, dst.name, 'orders')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
    await expect.poll(() => running(t, dst.name), { timeout: 2000 }).toEqual([])
  })

  it('the target writer killed mid-copy: the table fails, the old table is untouched, the shadow is gone', async () => {
    const before = await checksum(t, dst.name, 'orders')
    const admin = await connect(dst.addr)
    let killed = 0
    let watching = false
    const watch = async (): Promise<void> => {
      // Find the writer by its statement into this run's shadow table, and kill its connection.
      for (let i = 0; i < 200 && !killed; i++) {
        const rows = await q(
          admin,
          "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE (INFO LIKE '/* db-taxi:% */ LOAD DATA%' OR INFO LIKE '/* db-taxi:% */ INSERT INTO%') AND INFO LIKE ?",
          [`%${dst.name}%_dbt_new_%`]
        )
        if (rows[0]) {
          await admin.query(`KILL ${Number(rows[0].id)}`).catch(() => undefined)
          killed = Number(rows[0].id)
        } else await new Promise((r) => setTimeout(r, 5))
      }
    }
    let watcher: Promise<void> | undefined
    const summary = await copy(S(), T(), { tables: [{ source: 'orders' }] }, { chunkRows: 4000, parallelism: 2, writePath: path }, {
      progress: (r) => {
        if (r.status === 'copying' && !watching) {
          watching = true
          watcher = watch()
        }
      }
    })
    await watcher
    await admin.end()
    expect(killed).toBeGreaterThan(0)
    expect(summary.status).toBe('failed')
    expect(summary.tables[0]).toMatchObject({ status: 'failed', error: { code: 'CONNECTION_LOST' }, transient: true })
    expect(await checksum(t, dst.name, 'orders')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
    expect(await running(t, dst.name)).toEqual([])
  })

  it('a run after all that copies the table in full', async () => {
    const summary = await copy(S(), T(), { tables: [{ source: 'orders' }] }, { chunkRows: 20_000, parallelism: 2, writePath: path })
    expectSucceeded(summary)
    expect(await countRows(t, dst.name, 'orders')).toBe(ROWS)
    await expectSameTable(s, src.name, 'orders', t, dst.name)
  })
})
