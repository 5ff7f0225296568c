import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type PrivateServer } from '../../helpers/mariadb'
import { connect, copy, createDb, countRows, expectSameTable, expectSucceeded, PATHS, privateServer, q, STRICT_LATIN1 } from './support'

/**
 * Table shapes rather than types: keys of every kind (and none), wide tables, a 10 MB row, renamed
 * targets, filters, excluded columns, hostile names, MyISAM with FULLTEXT, sparse and text keys.
 * Each through both write paths, into a target server with other defaults.
 */

const WEIRD_TABLE = 'we`ird name 表'
const WIDE_COLUMNS = 120

async function buildSource(s: Connection): Promise<void> {
  await s.query(`
    CREATE TABLE composite (a INT NOT NULL, b VARCHAR(20) NOT NULL, v TEXT, PRIMARY KEY (a, b)) ENGINE=InnoDB;
    CREATE TABLE keyless (x INT, y VARCHAR(30), z DOUBLE) ENGINE=InnoDB;
    CREATE TABLE uniq_nn (code CHAR(8) NOT NULL, n INT NULL, note VARCHAR(50), UNIQUE KEY u_n (n), UNIQUE KEY u_code (code), KEY by_note (note)) ENGINE=InnoDB;
    CREATE TABLE sparse (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v INT) ENGINE=InnoDB;
    CREATE TABLE ci_keys (k VARCHAR(40) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, n INT) ENGINE=InnoDB;
    CREATE TABLE products_myisam (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100), body TEXT, KEY by_name (name), FULLTEXT KEY ft (name, body)) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4;
    CREATE TABLE filtered (id INT NOT NULL PRIMARY KEY, status ENUM('new','paid','void') NOT NULL, amount DECIMAL(10,2), secret VARCHAR(40), note TEXT, KEY by_status (status)) ENGINE=InnoDB;
    CREATE TABLE big_row (id INT NOT NULL PRIMARY KEY, lb LONGBLOB, lt LONGTEXT) ENGINE=InnoDB;
    CREATE TABLE enum_key (e ENUM('z','a','m') NOT NULL, id INT NOT NULL, s SET('q','b','x') NOT NULL, PRIMARY KEY (e, id), UNIQUE KEY u_s (s, id)) ENGINE=InnoDB;
    CREATE TABLE odd_keys (f FLOAT NOT NULL, b BIT(16) NOT NULL, d DECIMAL(10,3) NOT NULL, t DATETIME(6) NOT NULL, v VARBINARY(16) NOT NULL, PRIMARY KEY (f), UNIQUE KEY (b), UNIQUE KEY (d), UNIQUE KEY (t), UNIQUE KEY (v)) ENGINE=InnoDB;
    CREATE TABLE bin_key (v VARBINARY(16) NOT NULL PRIMARY KEY, n INT) ENGINE=InnoDB;
    CREATE TABLE spatial_idx (id INT NOT NULL PRIMARY KEY, g GEOMETRY NOT NULL, SPATIAL KEY sg (g)) ENGINE=InnoDB;
    CREATE TABLE \`${WEIRD_TABLE.replace(/`/g, '``')}\` (
      \`select\` INT NOT NULL, \`col with space\` VARCHAR(20) NOT NULL, \`tick\`\`col\` TEXT, \`列\` VARCHAR(10), \`from\` INT,
      PRIMARY KEY (\`select\`, \`col with space\`), KEY \`key with \`\`tick\`\`\` (\`列\`)
    ) ENGINE=InnoDB COMMENT='names that need quoting';
  `)
  const wide = Array.from({ length: WIDE_COLUMNS - 1 }, (_, i) => `c${i} ${['INT', 'VARCHAR(10)', 'DECIMAL(8,3)', 'DATE'][i % 4]} NULL`)
  await s.query(`CREATE TABLE wide (id INT NOT NULL PRIMARY KEY, ${wide.join(', ')}) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`)

  await s.query(`INSERT INTO composite SELECT seq % 50, CONCAT('k', seq DIV 50, IF(seq % 3 = 0, ' ', '')), REPEAT('v', seq % 7) FROM seq_1_to_2000`)
  await s.query(`INSERT INTO keyless SELECT seq % 10, IF(seq % 5 = 0, NULL, CONCAT('y\\t', seq)), seq / 7 FROM seq_1_to_1500`)
  await s.query(`INSERT INTO keyless SELECT 1, 'dup', 1.5 FROM seq_1_to_5`)
  await s.query(`INSERT INTO uniq_nn SELECT LPAD(seq, 8, '0'), IF(seq % 2, seq, NULL), CONCAT('n', seq % 13) FROM seq_1_to_1200`)
  await s.query('INSERT INTO sparse SELECT seq, seq FROM seq_1_to_1000')
  await s.query('INSERT INTO sparse SELECT 1000000000000000 + seq, seq FROM seq_0_to_1000')
  // Mixed case and accents: case-insensitive comparisons must neither lose nor duplicate rows at chunk edges.
  await s.query(`INSERT INTO ci_keys SELECT CONCAT(ELT(1 + seq % 4, 'a', 'B', 'c', 'Ä'), LPAD(seq, 5, '0'), IF(seq % 2, 'x', 'Y')), seq FROM seq_1_to_1500`)
  // ENUM and SET keys sort by index, not by text: 'z' < 'a' < 'm' here.
  await s.query(`INSERT INTO enum_key SELECT ELT(1 + seq % 3, 'z', 'a', 'm'), seq, ELT(1 + seq % 4, 'q', 'b', 'x', 'q,x') FROM seq_1_to_1500`)
  await s.query(`INSERT INTO odd_keys SELECT seq / 7, seq * 3, seq / 8, '2024-01-01' + INTERVAL seq * 1001 MICROSECOND, UNHEX(LEFT(SHA2(seq, 256), 32)) FROM seq_1_to_1500`)
  await s.query(`INSERT INTO bin_key SELECT CONCAT(UNHEX(LEFT(SHA2(seq, 256), 2 * (seq % 8))), CHAR(seq % 256), CHAR(seq DIV 256)), seq FROM seq_1_to_1500`)
  await s.query(`INSERT INTO products_myisam (name, body) SELECT CONCAT('product ', seq), CONCAT('great thing number ', seq, ' with\\ttab') FROM seq_1_to_700`)
  await s.query(`INSERT INTO filtered SELECT seq, ELT(1 + seq % 3, 'new', 'paid', 'void'), seq * 1.25, CONCAT('secret', seq), IF(seq % 4 = 0, NULL, 'n') FROM seq_1_to_1000`)
  await s.query(`INSERT INTO spatial_idx SELECT seq, ST_GeomFromText(CONCAT('POINT(', seq, ' ', seq / 3, ')')) FROM seq_1_to_300`)
  await s.query(`INSERT INTO \`${WEIRD_TABLE.replace(/`/g, '``')}\` SELECT seq, CONCAT('sp ', seq % 3), 'it''s', '表', seq FROM seq_1_to_500`)
  const vals = Array.from({ length: WIDE_COLUMNS - 1 }, (_, i) => [`seq + ${i}`, `CONCAT('s', seq % 97)`, `seq / 8`, `'2020-01-01' + INTERVAL seq DAY`][i % 4])
  await s.query(`INSERT INTO wide SELECT seq, ${vals.join(', ')} FROM seq_1_to_300`)
  // A 10 MB row: LOAD DATA and INSERT both have to take it in one piece.
  await s.query(`INSERT INTO big_row VALUES (1, 'small', 'small'), (2, REPEAT(UNHEX('00090a5c0d27ff'), 1500000), REPEAT('😀\\t', 1000)), (3, NULL, REPEAT('x', 10000000))`)
}

describe.each(PATHS)('table shapes (%s path)', (path) => {
  let source: Awaited<ReturnType<typeof createTestDatabase>>
  let target: PrivateServer
  let s: Connection
  let t: Connection
  const targetDb = 'shapes'
  const src = (): { addr: typeof source.addr; db: string } => ({ addr: source.addr, db: source.name })
  const tgt = (): { addr: PrivateServer; db: string } => ({ addr: target, db: targetDb })

  beforeAll(async () => {
    source = await createTestDatabase(`shapes_${path.replace('-', '')}`)
    target = await privateServer(path === 'insert' ? [...STRICT_LATIN1, '--local-infile=0', '--max-allowed-packet=64M'] : STRICT_LATIN1)
    s = await connect(source.addr, source.name)
    await buildSource(s)
    await createDb(target, targetDb, 'latin1')
    t = await connect(target, targetDb)
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await source?.drop()
    await target?.stop()
  })

  it('copies keyed, keyless, wide, spatial, MyISAM and oddly named tables identically', async () => {
    const tables = ['composite', 'keyless', 'uniq_nn', 'sparse', 'ci_keys', 'products_myisam', 'wide', WEIRD_TABLE, 'spatial_idx', 'enum_key', 'odd_keys', 'bin_key']
    const summary = await copy(src(), tgt(), { tables: tables.map((source) => ({ source })) }, { chunkRows: 97, parallelism: 2, writePath: path })
    expectSucceeded(summary)
    expect(summary.writePath).toBe(path)
    for (const table of tables) await expectSameTable(s, source.name, table, t, targetDb)
    const byName = new Map(summary.tables.map((r) => [r.source, r]))
    expect(byName.get('keyless')).toMatchObject({ keyless: true, verified: true, chunks: 1, rowsWritten: 1505 })
    expect(byName.get('uniq_nn')).toMatchObject({ keyless: false, verified: true })
    expect(byName.get('uniq_nn')!.chunks).toBeGreaterThan(10)
    // Sparse keys: chunks from index boundaries, not 10^15 / chunkRows arithmetic ranges.
    expect(byName.get('sparse')!.chunks).toBeLessThan(30)
    expect(byName.get('ci_keys')).toMatchObject({ rowsRead: 1500, rowsWritten: 1500 })
    expect(await countRows(t, targetDb, 'ci_keys')).toBe(1500)
    for (const table of ['enum_key', 'odd_keys', 'bin_key']) {
      expect(byName.get(table), table).toMatchObject({ rowsRead: 1500, rowsWritten: 1500, verified: true })
      expect(byName.get(table)!.chunks, table).toBeGreaterThan(10)
    }
    // FULLTEXT works on the copy.
    const ft = await q(t, "SELECT COUNT(*) AS n FROM products_myisam WHERE MATCH(name, body) AGAINST ('+product' IN BOOLEAN MODE)")
    expect(Number(ft[0]?.n)).toBe(700)
  })

  it('copies a 10 MB row', async () => {
    const summary = await copy(src(), tgt(), { tables: [{ source: 'big_row' }] }, { chunkRows: 2, writePath: path })
    expectSucceeded(summary)
    await expectSameTable(s, source.name, 'big_row', t, targetDb)
  })

  it('renames, filters and leaves out columns; verification compares the filtered source', async () => {
    const summary = await copy(
      src(),
      tgt(),
      { tables: [{ source: 'filtered', target: 'paid_only', where: "status = 'paid' AND amount > 100", excludeColumns: ['secret'] }, { source: 'composite', target: 'renamed' }] },
      { chunkRows: 50, writePath: path }
    )
    expectSucceeded(summary)
    expect(summary.tables[0]).toMatchObject({ target: 'paid_only', verified: true })
    const expected = await countRows(s, source.name, 'filtered', "status = 'paid' AND amount > 100")
    expect(expected).toBeGreaterThan(100)
    expect(summary.tables[0]!.rowsWritten).toBe(expected)
    await expectSameTable(s, source.name, 'filtered', t, targetDb, 'paid_only', { where: "status = 'paid' AND amount > 100", exclude: ['secret'] })
    const cols = await q(t, "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'paid_only'", [targetDb])
    expect(cols.map((c) => String(c.c)).sort()).toEqual(['amount', 'id', 'note', 'status'])
    await expectSameTable(s, source.name, 'composite', t, targetDb, 'renamed')
    expect(await q(t, "SHOW TABLES LIKE 'filtered'")).toHaveLength(0)
  })
})
