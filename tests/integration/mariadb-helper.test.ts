import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, parseMysqlUrl } from '../helpers/mariadb'

describe('test MariaDB', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeAll(async () => {
    db = await createTestDatabase('helper')
  })
  afterAll(async () => {
    await db.drop()
  })

  it('gives each test file its own database on a loopback server', async () => {
    expect(db.addr.host).toMatch(/^(127\.|localhost|::1)/)
    const c = await mysql.createConnection({ ...db.addr, database: db.name })
    await c.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))')
    await c.query('INSERT INTO t VALUES (1, ?)', ['x'])
    const [rows] = await c.query('SELECT v FROM t')
    expect(rows).toEqual([{ v: 'x' }])
    await c.end()
  })

  it('refuses a DBT_TEST_MYSQL_URL that is not loopback', () => {
    expect(() => parseMysqlUrl('mysql://root@10.0.0.1:3306')).toThrow(/loopback/)
    expect(parseMysqlUrl('mysql://u:p%40ss@127.0.0.1:3307').password).toBe('p@ss')
  })
})
