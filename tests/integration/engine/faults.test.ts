import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../helpers/mariadb'
import { startStallingProxy, until } from '../../helpers/stalling-proxy'
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
    let aborted = false
    const summary = await copy(S(), T(), { tables: [{ source: 'orders' }] }, { chunkRows: 2000, parallelism: 2, writePath: path }, {
      signal: ac.signal,
      progress: (r) => {
        if (r.rowsWritten > 0 && !aborted) {
          aborted = true
          ac.abort()
        }
      }
    })
    expect(aborted).toBe(true)
    expect(summary.status).toBe('cancelled')
    expect(summary.error?.code).toBe('CANCELLED')
    expect(summary.tables[0]).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' }, verified: null })
    expect(summary.tables[0]!.rowsWritten).toBeLessThan(ROWS)
    expect(await checksum(t, dst.name, 'orders')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
    await expect.poll(() => running(t, dst.name), { timeout: 2000 }).toEqual([])
    await expect.poll(() => running(s, src.name), { timeout: 2000 }).toEqual([])
  })

  it('cancel in the middle of one long chunk returns and stops the statements', async () => {
    const before = await checksum(t, dst.name, 'orders')
    const ac = new AbortController()
    // One chunk over every row, read through a proxy that holds everything past the first MiB: the
    // chunk's statement can never finish on its own, so the run returns only if the cancel stops it
    // (no clock: a slow machine is waited for, a fast one cannot finish first).
    const proxy = await startStallingProxy(src.addr.port, 1024 * 1024)
    try {
      const run = copy({ addr: { ...src.addr, port: proxy.port }, db: src.name }, T(), { tables: [{ source: 'orders' }] }, { chunkRows: ROWS * 2, parallelism: 1, writePath: path }, { signal: ac.signal })
      await until('the chunk running on the source with the shadow table created', async () =>
        (await leftoverShadows(t, dst.name)).length > 0 && (await running(s, src.name)).some((i) => /SELECT/i.test(i)) ? true : undefined
      )
      ac.abort()
      const summary = await run
      expect(summary.status).toBe('cancelled')
      expect(summary.tables[0]).toMatchObject({ status: 'cancelled', verified: null })
    } finally {
      await proxy.close()
    }
    expect(await checksum(t, dst.name, 'orders')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
    await expect.poll(() => running(s, src.name), { timeout: 5000 }).toEqual([])
    // A dropped session's statement can show in the processlist for a moment while the server
    // rolls it back (seen once in CI on the INSERT path).
    await expect.poll(() => running(t, dst.name), { timeout: 5000 }).toEqual([])
  })

  it('cancel while the secondary indexes are built (on a session of their own): the run ends cancelled, nothing is left', async () => {
    const before = await checksum(t, dst.name, 'orders')
    const ac = new AbortController()
    // A reader's open transaction on the shadow table holds a metadata lock that the index build's
    // ALTER must wait for (lock_wait_timeout is a day): the build cannot end on its own, so the run
    // returns only if the cancel kills it. The reader takes its lock as soon as the shadow exists.
    const reader = await connect(dst.addr, dst.name)
    let building = false
    let killedWhileHeld = false
    let holding: Promise<void> | undefined
    try {
      const summary = await copy(S(), T(), { tables: [{ source: 'orders' }] }, { chunkRows: 50_000, parallelism: 2, writePath: path }, {
        signal: ac.signal,
        progress: () => {
          holding ??= (async () => {
            const shadow = await until('the shadow table', async () => (await leftoverShadows(t, dst.name))[0])
            await reader.query('START TRANSACTION')
            await reader.query(`SELECT 1 FROM \`${shadow}\` LIMIT 1`)
          })()
        },
        log: (_level, message) => {
          if (!message.includes('secondary index') || building) return
          building = true
          // Once the build waits on the reader's lock (or at once if it already did).
          void holding!.then(async () => {
            await until('the index build waiting on the metadata lock', async () => {
              const rows = await q(t, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%ALTER TABLE%' AND STATE LIKE '%metadata lock%'")
              return Number(rows[0]?.n) > 0 ? true : undefined
            })
            ac.abort()
            // The cancel kills the build (it could not have finished: the lock is still held).
            // Then the reader lets go, or the run's DROP of the shadow would wait on it in turn.
            await until('the index build killed', async () => {
              const rows = await q(t, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%ALTER TABLE%' AND INFO NOT LIKE '%PROCESSLIST%'")
              return Number(rows[0]?.n) === 0 ? true : undefined
            })
            killedWhileHeld = true
            await reader.query('ROLLBACK')
          })
        }
      })
      expect(building).toBe(true)
      expect(killedWhileHeld).toBe(true)
      expect(summary.status).toBe('cancelled')
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined)
      await reader.end()
    }
    expect(await checksum(t, dst.name, 'orders')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
    await expect.poll(() => running(t, dst.name), { timeout: 5000 }).toEqual([])
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
