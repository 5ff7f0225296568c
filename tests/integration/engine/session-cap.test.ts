import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrivateServer } from '../../helpers/mariadb'
import { connect, copy, expectSameTable, expectSucceeded, privateServer, q } from './support'

/**
 * A run never takes a server's last connections (issue 10 item 3): `--parallel 32` against a
 * server with max_connections=24 used to open sessions until every client was refused. The run
 * lowers its parallelism to what half of the free connections allow, says so, and copies; another
 * client can connect throughout.
 */
describe('sessions a run opens per server', () => {
  let server: PrivateServer
  let s: Connection

  beforeAll(async () => {
    server = await privateServer(['--max-connections=24'])
    s = await connect(server)
    await s.query('CREATE DATABASE src; CREATE DATABASE dst; USE src')
    await s.query('CREATE TABLE items (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), KEY (v)) ENGINE=InnoDB')
    await s.query("INSERT INTO items SELECT seq, CONCAT('v', seq) FROM seq_1_to_20000")
  })

  afterAll(async () => {
    await s?.end()
    await server?.stop()
  })

  it('--parallel 32 on a server with 24 connections: parallelism lowered, the copy succeeds, others still get in', async () => {
    const logs: string[] = []
    let probes = 0
    let refused = 0
    let stop = false
    const probing = (async () => {
      while (!stop) {
        try {
          const c = await connect(server)
          await c.query('SELECT 1')
          await c.end()
          probes++
        } catch {
          refused++
        }
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
    let peak = 0
    const watch = setInterval(() => {
      void q(s, "SHOW GLOBAL STATUS LIKE 'Threads_connected'").then((r) => (peak = Math.max(peak, Number(r[0]?.Value ?? 0))), () => undefined)
    }, 20)
    try {
      const summary = await copy({ addr: server, db: 'src' }, { addr: server, db: 'dst' }, { tables: [{ source: 'items' }] }, { parallelism: 32, chunkRows: 500 }, {
        log: (_l, m) => logs.push(m)
      })
      expectSucceeded(summary)
    } finally {
      stop = true
      clearInterval(watch)
      await probing
    }
    await expectSameTable(s, 'src', 'items', s, 'dst')
    expect(logs.find((m) => m.startsWith('parallelism lowered from 32 to'))).toBeDefined()
    expect(refused).toBe(0)
    expect(probes).toBeGreaterThan(0)
    expect(peak).toBeLessThan(24)
  })
})
