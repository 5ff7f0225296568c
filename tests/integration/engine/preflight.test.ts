import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../src/shared/errors'
import { createTestDatabase, type PrivateServer } from '../../helpers/mariadb'
import { connect, copy, expectSameTable, expectSucceeded, leftoverShadows, privateServer, q, showCreate, sourceAndTarget, type SourceAndTarget } from './support'

/**
 * A run fails before it writes, or not at all (issue 10 item 6): what can be known before the first
 * write is checked before it, so a multi-table run never loads one table and then stops on the next
 * for a reason it could have seen. And renamed copies get foreign key names of their own
 * (constraint names are unique per database).
 */

const SOURCE = `
CREATE TABLE parent (id INT NOT NULL PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE child (
  id INT NOT NULL PRIMARY KEY, p INT NOT NULL, q INT NULL, KEY (p), KEY (q),
  CONSTRAINT child_ibfk_1 FOREIGN KEY (p) REFERENCES parent (id),
  CONSTRAINT fk_named FOREIGN KEY (q) REFERENCES parent (id) ON DELETE SET NULL
) ENGINE=InnoDB;
CREATE TABLE plain (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), KEY by_v (v)) ENGINE=InnoDB;
INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_30;
INSERT INTO child SELECT seq, 1 + seq % 30, IF(seq % 3 = 0, NULL, 1 + seq % 7) FROM seq_1_to_200;
INSERT INTO plain SELECT seq, CONCAT('v', seq) FROM seq_1_to_100;
`

describe('preflight: refused before the first write', () => {
  const env = sourceAndTarget('preflight', SOURCE)
  const { S, T } = env
  let src: SourceAndTarget['src']
  let s: Connection
  let t: Connection
  let targetDb: string
  beforeAll(() => void ({ src, s, t, targetDb } = env))

  const tablesOfTarget = async (): Promise<string[]> => (await q(t, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1', [targetDb])).map((r) => String(r.n))

  it('renamed copies into a database that holds the originals get constraint names of their own', async () => {
    // First the originals, as a previous copy would have left them.
    expectSucceeded(await copy(S(), T(), { tables: [{ source: 'parent' }, { source: 'child' }] }))
    const summary = await copy(S(), T(), { tables: [{ source: 'parent', target: 'parent_copy' }, { source: 'child', target: 'child_copy' }] })
    expectSucceeded(summary)
    const ddl = await showCreate(t, targetDb, 'child_copy')
    expect(ddl).toContain('CONSTRAINT `child_copy_ibfk_1` FOREIGN KEY (`p`) REFERENCES `parent_copy` (`id`)')
    expect(ddl).toContain('CONSTRAINT `child_copy_fk_named` FOREIGN KEY (`q`) REFERENCES `parent_copy` (`id`) ON DELETE SET NULL')
    await expectSameTable(s, src.name, 'parent', t, targetDb, 'parent_copy')
    // The originals kept theirs.
    expect(await showCreate(t, targetDb, 'child')).toContain('CONSTRAINT `child_ibfk_1` FOREIGN KEY (`p`) REFERENCES `parent` (`id`)')
    // A second run gives the same names (deterministic) and replaces cleanly.
    expectSucceeded(await copy(S(), T(), { tables: [{ source: 'parent', target: 'parent_copy' }, { source: 'child', target: 'child_copy' }] }))
    expect(await showCreate(t, targetDb, 'child_copy')).toBe(ddl)
    await t.query('DROP TABLE child_copy, parent_copy, child, parent')
  })

  it('a foreign key name another table of the target uses is refused before anything is written', async () => {
    await t.query('CREATE TABLE holder (id INT PRIMARY KEY, p INT, KEY (p), CONSTRAINT fk_named FOREIGN KEY (p) REFERENCES holder (id)) ENGINE=InnoDB')
    const before = await tablesOfTarget()
    const err = await copy(S(), T(), { tables: [{ source: 'plain' }, { source: 'parent' }, { source: 'child' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('VALIDATION')
    expect((err as AppError).message).toContain('fk_named')
    expect((err as AppError).message).toContain('holder')
    // Not even the first table was loaded.
    expect(await tablesOfTarget()).toEqual(before)
    await t.query('DROP TABLE holder')
  })

  it('a filter the source refuses (an unknown column) is refused before anything is written', async () => {
    const err = await copy(S(), T(), { tables: [{ source: 'plain' }, { source: 'parent', where: 'no_such_column > 1' }] }).catch((e: unknown) => e)
    expect((err as AppError).code).toBe('VALIDATION')
    expect((err as AppError).message).toContain('no_such_column')
    expect(await tablesOfTarget()).toEqual([])
  })

  it('a target user without ALTER (needed for the index build) is refused before the first table is loaded', async () => {
    const user = `dbt_pf_${Math.random().toString(36).slice(2, 8)}`
    await t.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-preflight'`)
    await t.query(`GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP ON \`${targetDb}\`.* TO '${user}'@'%'`)
    try {
      const err = await copy(S(), { addr: { ...src.addr, user, password: 'pw-preflight' }, db: targetDb }, { tables: [{ source: 'plain' }] }).catch((e: unknown) => e)
      expect((err as AppError).code).toBe('VALIDATION')
      expect((err as AppError).message).toContain('lacks ALTER')
      expect(await tablesOfTarget()).toEqual([])
    } finally {
      await t.query(`DROP USER '${user}'@'%'`)
    }
  })
})

describe('preflight: a definition the target cannot create', () => {
  let source: PrivateServer
  let s: Connection
  let target: Awaited<ReturnType<typeof createTestDatabase>>
  let t: Connection

  beforeAll(async () => {
    // A source with the ARCHIVE engine; the target (the shared test server) does not have it.
    source = await privateServer(['--plugin-load-add=ha_archive'])
    s = await connect(source)
    await s.query(`CREATE DATABASE src; USE src;
      CREATE TABLE fine (id INT NOT NULL PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB;
      CREATE TABLE archived (id INT NOT NULL, v VARCHAR(10)) ENGINE=ARCHIVE;
      INSERT INTO fine VALUES (1, 'a'); INSERT INTO archived VALUES (1, 'a')`)
    target = await createTestDatabase('preflight_engine')
    t = await connect(target.addr, target.name)
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await target?.drop()
    await source?.stop()
  })

  it('is refused with the server reason before the first table is written', async () => {
    const engines = (await q(t, 'SHOW ENGINES')).map((r) => String(r.Engine).toUpperCase())
    expect(engines).not.toContain('ARCHIVE')
    const err = await copy({ addr: source, db: 'src' }, { addr: target.addr, db: target.name }, { tables: [{ source: 'fine' }, { source: 'archived' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('VALIDATION')
    expect((err as AppError).message).toMatch(/cannot create archived .*ARCHIVE/i)
    expect(await q(t, 'SHOW TABLES')).toEqual([])
    expect(await leftoverShadows(t, target.name)).toEqual([])
  })
})
