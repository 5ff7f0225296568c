import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../helpers/mariadb'
import { connect, copy, dropDb, expectSameTable, expectSucceeded, leftoverShadows, PATHS, q, type Side } from './support'

/**
 * Foreign keys across two `replace` runs in a row (parents, children, a self-referencing table),
 * and triggers, views and routines copied after the data, into a target database of another name.
 */

const SCHEMA = `
CREATE TABLE parent (id INT NOT NULL PRIMARY KEY, name VARCHAR(30) NOT NULL) ENGINE=InnoDB;
CREATE TABLE child (
  id INT NOT NULL PRIMARY KEY, parent_id INT NOT NULL, qty INT NOT NULL DEFAULT 1,
  KEY by_parent (parent_id),
  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE grandchild (
  id INT NOT NULL PRIMARY KEY, child_id INT NULL,
  CONSTRAINT fk_gc_child FOREIGN KEY (child_id) REFERENCES child (id) ON DELETE SET NULL
) ENGINE=InnoDB;
CREATE TABLE category (
  id INT NOT NULL PRIMARY KEY, parent_id INT NULL, label VARCHAR(20),
  CONSTRAINT fk_cat_parent FOREIGN KEY (parent_id) REFERENCES category (id)
) ENGINE=InnoDB;
CREATE TABLE audited (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20), stamped VARCHAR(40)) ENGINE=InnoDB;
CREATE TABLE audit_log (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, audited_id INT, what VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_50;
INSERT INTO child SELECT seq, 1 + seq % 50, seq FROM seq_1_to_400;
INSERT INTO grandchild SELECT seq, IF(seq % 5 = 0, NULL, seq) FROM seq_1_to_300;
INSERT INTO category VALUES (1, NULL, 'root');
INSERT INTO category SELECT seq, 1 + (seq DIV 3), CONCAT('c', seq) FROM seq_2_to_100;
CREATE TRIGGER audited_bi BEFORE INSERT ON audited FOR EACH ROW SET NEW.stamped = CONCAT('stamped:', NEW.v);
CREATE TRIGGER audited_ai AFTER INSERT ON audited FOR EACH ROW INSERT INTO audit_log (audited_id, what) VALUES (NEW.id, 'insert');
INSERT INTO audited (v) SELECT CONCAT('v', seq) FROM seq_1_to_20;
CREATE VIEW parent_totals AS SELECT p.id, p.name, SUM(c.qty) AS total FROM parent p JOIN child c ON c.parent_id = p.id GROUP BY p.id, p.name;
CREATE VIEW big_parents AS SELECT id, name FROM parent_totals WHERE total > 3000;
CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
`
// A routine whose body only parses under its own sql_mode (double-quoted identifiers).
const ANSI_PROC = `CREATE PROCEDURE count_children(IN pid INT, OUT n INT) READS SQL DATA SELECT COUNT(*) INTO n FROM "child" WHERE "parent_id" = pid`

describe.each(PATHS)('foreign keys, triggers, views and routines (%s path)', (path) => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let s: Connection
  let t: Connection
  let targetDb: string
  const S = (): Side => ({ addr: src.addr, db: src.name })
  const T = (): Side => ({ addr: src.addr, db: targetDb })
  const TABLES = ['parent', 'child', 'grandchild', 'category', 'audited', 'audit_log']

  beforeAll(async () => {
    src = await createTestDatabase(`fk_${path.replace('-', '')}`)
    targetDb = `${src.name}_copy`
    s = await connect(src.addr, src.name)
    await s.query(SCHEMA)
    await s.query("SET sql_mode = 'ANSI_QUOTES'")
    await s.query(ANSI_PROC)
    await s.query("SET sql_mode = DEFAULT")
    t = await connect(src.addr)
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await dropDb(src.addr, targetDb)
    await src?.drop()
  })

  const fkTargets = async (): Promise<string[]> => {
    const rows = await q(
      t,
      'SELECT CONCAT(TABLE_NAME, ".", CONSTRAINT_NAME, "->", REFERENCED_TABLE_NAME) AS f FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY 1',
      [targetDb]
    )
    return rows.map((r) => String(r.f))
  }

  const run = async (): Promise<void> => {
    const summary = await copy(S(), T(), { tables: TABLES.map((source) => ({ source })) }, {
      chunkRows: 64,
      parallelism: 3,
      writePath: path,
      objects: { triggers: true, views: true, routines: true }
    })
    expectSucceeded(summary)
    expect(summary.objects?.filter((o) => o.status !== 'created')).toEqual([])
    for (const table of TABLES) await expectSameTable(s, src.name, table, t, targetDb)
    expect(await leftoverShadows(t, targetDb)).toEqual([])
    expect(await fkTargets()).toEqual([
      'category.fk_cat_parent->category',
      'child.fk_child_parent->parent',
      'grandchild.fk_gc_child->child'
    ])
  }

  it('replace twice in a row keeps every constraint on the new tables, and they still bite', async () => {
    await run()
    // Some target writes in between, as an application would do.
    await t.query(`INSERT INTO \`${targetDb}\`.child VALUES (9001, 1, 1)`)
    await run()
    const db = `\`${targetDb}\``
    await t.query(`INSERT INTO ${db}.child (id, parent_id) VALUES (5000, 7)`)
    await expect(t.query(`INSERT INTO ${db}.child (id, parent_id) VALUES (5001, 999)`)).rejects.toMatchObject({ code: 'ER_NO_REFERENCED_ROW_2' })
    await expect(t.query(`INSERT INTO ${db}.category VALUES (500, 12345, 'orphan')`)).rejects.toMatchObject({ code: 'ER_NO_REFERENCED_ROW_2' })
    await t.query(`INSERT INTO ${db}.category VALUES (501, 3, 'fine')`)
    await expect(t.query(`DELETE FROM ${db}.parent WHERE id = 7`)).resolves.toBeDefined()
    // ON DELETE CASCADE reached the new child table.
    const left = await q(t, `SELECT COUNT(*) AS n FROM ${db}.child WHERE parent_id = 7`)
    expect(Number(left[0]?.n)).toBe(0)
    await expect(t.query(`DELETE FROM ${db}.category WHERE id = 1`)).rejects.toMatchObject({ code: 'ER_ROW_IS_REFERENCED_2' })
  })

  it('triggers end on the new tables, did not fire during the copy, and fire afterwards', async () => {
    await run()
    const db = `\`${targetDb}\``
    const trig = await q(t, 'SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [targetDb])
    expect(trig.map((r) => `${String(r.n)}@${String(r.t)}`)).toEqual(['audited_ai@audited', 'audited_bi@audited'])
    // Copied rows kept their values (the BEFORE trigger did not rewrite them; no audit rows were added).
    await expectSameTable(s, src.name, 'audit_log', t, targetDb)
    await t.query(`INSERT INTO ${db}.audited (v) VALUES ('new')`)
    const row = await q(t, `SELECT stamped FROM ${db}.audited WHERE v = 'new'`)
    expect(row[0]?.stamped).toBe('stamped:new')
    const log = await q(t, `SELECT COUNT(*) AS n FROM ${db}.audit_log WHERE what = 'insert'`)
    expect(Number(log[0]?.n)).toBe(21)
  })

  it('views and routines point at the target database and work there', async () => {
    const db = `\`${targetDb}\``
    const views = await q(t, `SHOW CREATE VIEW ${db}.parent_totals`)
    expect(String(views[0]?.['Create View'])).not.toContain(`\`${src.name}\``)
    expect(String(views[0]?.['Create View'])).toContain(`\`${targetDb}\``)
    const a = await q(s, 'SELECT * FROM parent_totals ORDER BY id')
    const [b] = await t.query(`SELECT * FROM ${db}.parent_totals WHERE id <> 7 ORDER BY id`)
    expect(b).toEqual(a.filter((r) => Number(r.id) !== 7))
    await t.query(`SELECT * FROM ${db}.big_parents`)
    const f = await q(t, `SELECT ${db}.double_it(21) AS x`)
    expect(Number(f[0]?.x)).toBe(42)
    await t.query(`CALL ${db}.count_children(3, @n)`)
    const n = await q(t, 'SELECT @n AS n')
    expect(Number(n[0]?.n)).toBeGreaterThan(0)
  })
})

describe('foreign keys to a renamed parent', () => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let dst: Awaited<ReturnType<typeof createTestDatabase>>
  let t: Connection

  beforeAll(async () => {
    src = await createTestDatabase('fk_rename_src')
    dst = await createTestDatabase('fk_rename_dst')
    const s = await connect(src.addr, src.name)
    await s.query(SCHEMA)
    await s.end()
    t = await connect(dst.addr, dst.name)
  })

  afterAll(async () => {
    await t?.end()
    await src?.drop()
    await dst?.drop()
  })

  it('points the child constraint at the parent under its new name', async () => {
    const summary = await copy({ addr: src.addr, db: src.name }, { addr: dst.addr, db: dst.name }, {
      tables: [{ source: 'parent', target: 'parent_v2' }, { source: 'child' }]
    })
    expectSucceeded(summary)
    const rows = await q(t, 'SELECT REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?', [dst.name, 'child'])
    expect(rows.map((r) => String(r.r))).toEqual(['parent_v2'])
    await expect(t.query('INSERT INTO child (id, parent_id) VALUES (7000, 4242)')).rejects.toMatchObject({ code: 'ER_NO_REFERENCED_ROW_2' })
  })
})
