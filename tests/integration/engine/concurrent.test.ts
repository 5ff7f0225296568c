import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type ServerAddress } from '../../helpers/mariadb'
import { connect, copy, expectSucceeded, q, rowsHex } from './support'

/**
 * A copy while the source is being written: transfers between accounts (each one transaction that
 * moves money, bumps two versions and appends a ledger row) keep invariants that only hold at a
 * single point in time, across rows, chunks and tables. The run must end verified, and the target
 * must hold the source as of one consistent point: the invariants hold there, and what was written
 * after that point is not there.
 */

const ACCOUNTS = 20_000
const TOTAL = ACCOUNTS * 1000

describe('copying while the source is written to', () => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let dst: Awaited<ReturnType<typeof createTestDatabase>>
  let s: Connection
  let t: Connection
  const user = `dbt_norel_${Math.random().toString(36).slice(2, 8)}`

  beforeAll(async () => {
    src = await createTestDatabase('conc_src')
    dst = await createTestDatabase('conc_dst')
    s = await connect(src.addr, src.name)
    t = await connect(dst.addr, dst.name)
    await s.query(`
      CREATE TABLE accounts (id INT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL, version INT NOT NULL DEFAULT 0, note VARCHAR(60)) ENGINE=InnoDB;
      CREATE TABLE ledger (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, from_id INT NOT NULL, to_id INT NOT NULL, amount INT NOT NULL, at DATETIME(6) NOT NULL) ENGINE=InnoDB;
      INSERT INTO accounts (id, balance, note) SELECT seq, 1000, REPEAT('x', seq % 60) FROM seq_1_to_${ACCOUNTS};
    `)
    // A user without RELOAD: no global consistent point, one snapshot per table.
    for (const host of ['127.0.0.1', 'localhost']) {
      await s.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY 'pw'`)
      await s.query(`GRANT SELECT, SHOW VIEW ON \`${src.name}\`.* TO '${user}'@'${host}'`)
      await s.query(`GRANT ALL ON \`${dst.name}\`.* TO '${user}'@'${host}'`)
    }
  })

  afterAll(async () => {
    for (const host of ['127.0.0.1', 'localhost']) await s?.query(`DROP USER IF EXISTS '${user}'@'${host}'`)
    await s?.end()
    await t?.end()
    await src?.drop()
    await dst?.drop()
  })

  /** Transfers in a loop until stopped; returns how many committed. */
  const startWriter = (addr: ServerAddress): { stop: () => Promise<number> } => {
    let running = true
    let committed = 0
    const done = (async () => {
      const w = await connect(addr, src.name)
      while (running) {
        const a = 1 + Math.floor(Math.random() * ACCOUNTS)
        const b = 1 + ((a + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS)
        const amount = 1 + Math.floor(Math.random() * 50)
        await w.query('START TRANSACTION')
        await w.query('UPDATE accounts SET balance = balance - ?, version = version + 1 WHERE id = ?', [amount, a])
        await w.query('UPDATE accounts SET balance = balance + ?, version = version + 1 WHERE id = ?', [amount, b])
        await w.query('INSERT INTO ledger (from_id, to_id, amount, at) VALUES (?, ?, ?, NOW(6))', [a, b, amount])
        await w.query('COMMIT')
        committed++
      }
      await w.end()
    })()
    return {
      stop: async () => {
        running = false
        await done
        return committed
      }
    }
  }

  const invariants = async (c: Connection, db: string): Promise<{ total: number; versions: number; ledger: number }> => {
    const [a] = await q(c, `SELECT SUM(balance) AS total, SUM(version) AS versions FROM \`${db}\`.accounts`)
    const [l] = await q(c, `SELECT COUNT(*) AS n FROM \`${db}\`.ledger`)
    return { total: Number(a?.total), versions: Number(a?.versions), ledger: Number(l?.n) }
  }

  it('with RELOAD: every table at one point; verified; later writes are not in the target', async () => {
    const writer = startWriter(src.addr)
    await new Promise((r) => setTimeout(r, 300))
    const before = await invariants(s, src.name)
    const summary = await copy({ addr: src.addr, db: src.name }, { addr: dst.addr, db: dst.name }, { tables: [{ source: 'accounts' }, { source: 'ledger' }] }, { chunkRows: 250, parallelism: 2 })
    await new Promise((r) => setTimeout(r, 200))
    const committed = await writer.stop()
    expectSucceeded(summary)
    expect(summary.consistency).toBe('global')
    expect(summary.tables.map((t) => t.verified)).toEqual([true, true])
    expect(committed).toBeGreaterThan(20)

    const copied = await invariants(t, dst.name)
    const after = await invariants(s, src.name)
    // One point in time: money is conserved, and every transfer counted in the versions is in the ledger.
    expect(copied.total).toBe(TOTAL)
    expect(copied.versions).toBe(2 * copied.ledger)
    // That point lies inside the run: after what was there before it, before what came after it.
    expect(copied.ledger).toBeGreaterThanOrEqual(before.ledger)
    expect(copied.ledger).toBeLessThan(after.ledger)
    // The target's ledger is exactly the source's first rows (ledger rows never change).
    const srcLedger = await rowsHex(s, src.name, 'ledger', { where: `id <= (SELECT MAX(id) FROM \`${dst.name}\`.ledger)` })
    expect(await rowsHex(t, dst.name, 'ledger')).toEqual(srcLedger)
  })

  it('without RELOAD: each table at its own snapshot, and still verified', async () => {
    const writer = startWriter(src.addr)
    await new Promise((r) => setTimeout(r, 200))
    const summary = await copy(
      { addr: { ...src.addr, user, password: 'pw' }, db: src.name },
      { addr: { ...dst.addr, user, password: 'pw' }, db: dst.name },
      { tables: [{ source: 'accounts' }, { source: 'ledger' }] },
      { chunkRows: 500, parallelism: 2 }
    )
    const committed = await writer.stop()
    expectSucceeded(summary)
    expect(summary.consistency).toBe('per-table')
    expect(summary.tables.map((t) => t.verified)).toEqual([true, true])
    expect(committed).toBeGreaterThan(5)
    // Within a table the snapshot holds: money is conserved in the accounts table.
    expect((await invariants(t, dst.name)).total).toBe(TOTAL)
  })
})
