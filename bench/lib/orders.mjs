// The benchmark's `orders` table (issue 4, "Performance"): the column types that make copies go wrong
// (BIGINT UNSIGNED, DECIMAL, DATETIME(6), TIMESTAMP, BIT, ENUM, NULLs, utf8mb4 with emoji, text holding
// tabs/newlines/backslashes), about 230 bytes a row, two secondary indexes.

export const ORDERS_DDL = `CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  uuid CHAR(36) NOT NULL,
  customer VARCHAR(64) NOT NULL,
  email VARCHAR(128) NULL,
  amount DECIMAL(12,2) NOT NULL,
  quantity INT NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  note TEXT,
  flags BIT(8) NOT NULL,
  KEY customer (customer),
  KEY created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`

// Rows come from MariaDB's sequence engine (seq_A_to_B), so generation runs inside the server.
// String.raw keeps the SQL escapes (\t \n \\) for the server to interpret: every 1000th row gets them.
const insertSql = (from, to) => String.raw`INSERT INTO orders
SELECT seq,
       UUID(),
       CONCAT('customer-', seq % 50000),
       IF(seq % 7 = 0, NULL, CONCAT('user', seq, '@example.com')),
       (seq % 100000) / 100,
       seq % 1000,
       ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'),
       TIMESTAMP('2024-01-01') + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND,
       FROM_UNIXTIME(1700000000 + seq),
       CONCAT('Bestellung für Kunde ', seq, ' — ok ✓ 🚕 ', REPEAT('x', seq % 60),
              IF(seq % 1000 = 0, '\ttab\nnewline\\back', '')),
       seq % 256
FROM seq_${from}_to_${to}`

/** Batch size for generation: one INSERT ... SELECT per batch keeps undo and lock memory modest. */
const BATCH = 250_000

/**
 * Make `db`.orders hold exactly rows 1..rows. Grows an existing table by appending (ids continue, so the
 * data is the same as a fresh generation); recreates it if it is larger than asked.
 * @param {import('mysql2/promise').Connection} conn  a utf8mb4 connection (emoji in the SQL text)
 */
export async function ensureOrders(conn, db, rows, onProgress = () => {}) {
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4`)
  await conn.query(`USE \`${db}\``)
  // UTC so FROM_UNIXTIME gives the same TIMESTAMP on every machine; utf8mb4 so the emoji survive.
  await conn.query("SET NAMES utf8mb4, time_zone = '+00:00'")
  const [exists] = await conn.query("SHOW TABLES LIKE 'orders'")
  let have = 0
  if (exists.length) {
    const [[r]] = await conn.query('SELECT COALESCE(MAX(id), 0) AS n, COUNT(*) AS c FROM orders')
    have = Number(r.n) === Number(r.c) ? Number(r.n) : -1
  }
  if (have < 0 || have > rows) {
    await conn.query('DROP TABLE orders')
    have = 0
  }
  if (!exists.length || have === 0) {
    await conn.query('DROP TABLE IF EXISTS orders')
    await conn.query(ORDERS_DDL)
  }
  for (let from = have + 1; from <= rows; from += BATCH) {
    const to = Math.min(rows, from + BATCH - 1)
    await conn.query(insertSql(from, to))
    onProgress(to)
  }
}

/** Row count and CHECKSUM TABLE of db.orders (null checksum if the table is missing). */
export async function tableFingerprint(server, db, table = 'orders') {
  const c = await server.connect()
  try {
    const [[cs]] = await c.query(`CHECKSUM TABLE \`${db}\`.\`${table}\``)
    if (cs.Checksum === null) return { rows: null, checksum: null }
    const [[cnt]] = await c.query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${table}\``)
    return { rows: Number(cnt.n), checksum: String(cs.Checksum) }
  } finally {
    await c.end()
  }
}

/** SHOW CREATE TABLE without AUTO_INCREMENT=, for an informational schema comparison. */
export async function tableDdl(server, db, table = 'orders') {
  try {
    const [r] = await server.query(`SHOW CREATE TABLE \`${db}\`.\`${table}\``)
    return r[0]['Create Table'].replace(/ AUTO_INCREMENT=\d+/, '')
  } catch {
    return null
  }
}

/** Data and index size of db.orders from information_schema (estimates, as InnoDB reports them). */
export async function tableSize(server, db, table = 'orders') {
  const [r] = await server.query(
    'SELECT data_length AS data, index_length AS idx, avg_row_length AS avg FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
    [db, table]
  )
  return { data: Number(r.data), index: Number(r.idx), avgRow: Number(r.avg) }
}
