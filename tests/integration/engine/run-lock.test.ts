import type { Connection } from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { runLockName } from '../../../src/main/sync/engine/session/query-tag'
import { holdRunLock } from '../../../src/main/sync/engine/session/run-tag'
import { startTcpProxy } from '../../helpers/tcp-proxy'
import { connect, copy, endpoint, expectSameTable, expectSucceeded, leftoverShadows, q, sourceAndTarget } from './support'

/**
 * A live run's lock outlives its session (issue 10 item 4: "a live run's tables are never
 * touched"). The lock is what tells other runs this run is alive; its session can end while the
 * run goes on (an operator's KILL of idle sessions, a proxy cutting idle connections,
 * wait_timeout). The run then takes its lock again at once, and when it cannot, it refuses to swap.
 */

describe('the run lock', () => {
  const env = sourceAndTarget('runlock', 'CREATE TABLE items (id INT NOT NULL PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB; INSERT INTO items SELECT seq, CONCAT("v", seq) FROM seq_1_to_500')
  const { S, T } = env
  const extra: Connection[] = []
  afterAll(async () => {
    for (const c of extra) await c.end().catch(() => c.destroy())
  })

  const holder = async (c: Connection, tag: string): Promise<number | null> => {
    const rows = await q(c, 'SELECT IS_USED_LOCK(?) AS h', [runLockName(tag)])
    return rows[0]?.h == null ? null : Number(rows[0].h)
  }
  const until = async (what: () => Promise<boolean>, ms = 5000): Promise<void> => {
    const end = Date.now() + ms
    while (!(await what())) {
      if (Date.now() > end) throw new Error('timed out')
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  it('is taken again on a new session when its session is killed, and says so', async () => {
    const logs: string[] = []
    const lock = await holdRunLock(endpoint(env.src.addr), 'xlock1', { log: (l, m) => logs.push(`${l} ${m}`) })
    try {
      const first = await holder(env.t, 'xlock1')
      expect(first).toBe(lock.conn.threadId)
      await env.t.query('KILL CONNECTION ?', [first])
      await until(async () => {
        const h = await holder(env.t, 'xlock1')
        return h !== null && h !== first
      })
      await expect(lock.assertHeld()).resolves.toBeUndefined()
      expect(await holder(env.t, 'xlock1')).toBe(lock.conn.threadId)
      expect(logs.join('\n')).toMatch(/^warn the run's lock session on .* ended .*taken again/m)
    } finally {
      await lock.release()
    }
    // Released for good: nothing takes it again.
    await new Promise((r) => setTimeout(r, 200))
    expect(await holder(env.t, 'xlock1')).toBeNull()
  })

  it('is taken again when its network path dies silently (no close): the check times out, the old session is killed', async () => {
    const path = await startTcpProxy(env.src.addr.port)
    const logs: string[] = []
    const lock = await holdRunLock(endpoint({ ...env.src.addr, port: path.port }), 'xlock2', { checkEveryMs: 300, log: (l, m) => logs.push(`${l} ${m}`) })
    try {
      const first = lock.conn.threadId
      // Every byte on the open connections is swallowed from now on; the server still holds the
      // old session (and with it the lock) because nothing closed it.
      path.swallow()
      await until(async () => {
        const h = await holder(env.t, 'xlock2')
        return h !== null && h !== first
      }, 10_000)
      const sessions = await q(env.t, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [first])
      expect(Number(sessions[0]?.n)).toBe(0)
      await expect(lock.assertHeld()).resolves.toBeUndefined()
      expect(logs.join('\n')).toMatch(/no answer within/)
    } finally {
      await lock.release()
      await path.close()
    }
  })

  it('counts as lost when another session takes it first, and assertHeld refuses with CONNECTION_LOST', async () => {
    const logs: string[] = []
    const lock = await holdRunLock(endpoint(env.src.addr), 'xlock3', { log: (l, m) => logs.push(`${l} ${m}`) })
    const thief = await connect(env.src.addr)
    extra.push(thief)
    try {
      // The thief waits for the lock, so the server hands it over the moment the run's session ends.
      const stolen = thief.query('SELECT GET_LOCK(?, 30) AS got', [runLockName('xlock3')])
      await until(async () => {
        const rows = await q(env.t, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK(%xlock3%'")
        return Number(rows[0]?.n) > 0
      })
      await env.t.query('KILL CONNECTION ?', [lock.conn.threadId])
      await stolen
      await expect(lock.assertHeld()).rejects.toMatchObject({ code: 'CONNECTION_LOST', message: expect.stringMatching(/cannot prove it is alive.*could not be taken again/) })
      expect(logs.join('\n')).toMatch(/^error the run lost db-taxi:run:xlock3/m)
    } finally {
      await thief.query('SELECT RELEASE_LOCK(?)', [runLockName('xlock3')])
      await lock.release()
    }
  })

  it("a run whose lock session is killed mid-run keeps its shadow table from another run's cleanup, and finishes verified", async () => {
    let other: Awaited<ReturnType<typeof copy>> | undefined
    let shadowSeen: string[] = []
    const summary = await copy(S(), T(), { tables: [{ source: 'items' }] }, {}, {
      swapStep: async (step) => {
        if (step !== 'rename' || other) return
        // The run is about to switch in: its shadow is loaded and verified. Kill its lock session,
        // as an operator's idle-session killer would, then run a second run on the same target.
        shadowSeen = await leftoverShadows(env.t, env.targetDb)
        const tag = /^_dbt_new_([0-9a-z]+)_items$/.exec(shadowSeen[0] ?? '')?.[1]
        expect(tag).toBeTruthy()
        const id = await holder(env.t, tag!)
        expect(id).not.toBeNull()
        await env.t.query('KILL CONNECTION ?', [id])
        await until(async () => {
          const h = await holder(env.t, tag!)
          return h !== null && h !== id
        })
        await env.s.query('CREATE TABLE IF NOT EXISTS other (id INT PRIMARY KEY)')
        other = await copy(S(), T(), { tables: [{ source: 'other' }] })
      }
    })
    expect(shadowSeen).toHaveLength(1)
    expectSucceeded(other!)
    expect(other!.cleared ?? []).toEqual([])
    expectSucceeded(summary)
    await expectSameTable(env.s, env.src.name, 'items', env.t, env.targetDb)
    expect(await leftoverShadows(env.t, env.targetDb)).toEqual([])
  })
})
