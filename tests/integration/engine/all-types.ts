/**
 * The every-type table: DDL and rows at every extreme MariaDB allows, shared by the type tests and
 * the CLI acceptance test. The rows need a permissive sql_mode ('') on the inserting session (zero
 * dates, an invalid ENUM value) and time_zone '+00:00'.
 */

export const hexBytes = (from: number, to: number): string => {
  let s = ''
  for (let i = from; i <= to; i++) s += i.toString(16).padStart(2, '0')
  return s
}
export const ALL_BYTES = hexBytes(0, 255)
const HIGH_BYTES = hexBytes(0x80, 0xff)

export const ALL_TYPES_DDL = `
CREATE TABLE all_types (
  id INT NOT NULL AUTO_INCREMENT,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
  mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  i_zf INT(6) UNSIGNED ZEROFILL,
  dec65 DECIMAL(65,30), dec_u DECIMAL(5,2) UNSIGNED, dec0 DECIMAL(20,0),
  f FLOAT, d DOUBLE, f73 FLOAT(7,3), d_real REAL,
  b1 BIT(1), b7 BIT(7), b8 BIT(8), b33 BIT(33), b64 BIT(64),
  dt DATE,
  dtm0 DATETIME, dtm1 DATETIME(1), dtm2 DATETIME(2), dtm3 DATETIME(3), dtm4 DATETIME(4), dtm5 DATETIME(5), dtm6 DATETIME(6),
  ts0 TIMESTAMP NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL, ts2 TIMESTAMP(2) NULL DEFAULT NULL,
  ts3 TIMESTAMP(3) NULL DEFAULT NULL, ts4 TIMESTAMP(4) NULL DEFAULT NULL, ts5 TIMESTAMP(5) NULL DEFAULT NULL,
  ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  ts_upd TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  tm TIME, tm6 TIME(6), yr YEAR,
  c CHAR(10), vc VARCHAR(100) COLLATE utf8mb4_bin, vc_uni VARCHAR(20) COLLATE utf8mb4_unicode_ci, tx TEXT, mtx MEDIUMTEXT, ltx LONGTEXT, ttx TINYTEXT,
  c_l1 CHAR(10) CHARACTER SET latin1, vc_l1 VARCHAR(300) CHARACTER SET latin1, tx_l1 TEXT CHARACTER SET latin1,
  bn BINARY(16), vb VARBINARY(300), bl BLOB, tbl TINYBLOB, mbl MEDIUMBLOB, lbl LONGBLOB,
  e ENUM('a','b','c d','é'), s SET('x','y','z'), e_empty ENUM('', 'x'),
  j JSON,
  uid UUID, ip4 INET4, ip6 INET6,
  pt POINT, pg POLYGON, geo GEOMETRY, mpt MULTIPOINT, gc GEOMETRYCOLLECTION,
  gv BIGINT AS (i * 2) VIRTUAL,
  gs VARCHAR(300) AS (CONCAT(nn, '|', IFNULL(ttx, '-'))) STORED,
  nn VARCHAR(20) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY by_vc (vc),
  KEY by_gs (gs)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='every type'
`

// A point whose WKB doubles contain tab, newline and backslash bytes (LOAD DATA escaping of spatial values).
const NASTY_POINT = `ST_GeomFromWKB(UNHEX('0101000000${'0a095c0a0d5c0940'}${'5c0a09275c0a1040'}'))`

export const ALL_TYPES_ROWS = [
  // minimums
  `INSERT INTO all_types (ti, tiu, si, siu, mi, miu, i, iu, bi, biu, i_zf, dec65, dec_u, dec0, f, d, f73, d_real, b1, b7, b8, b33, b64,
     dt, dtm0, dtm1, dtm2, dtm3, dtm4, dtm5, dtm6, ts0, ts1, ts2, ts3, ts4, ts5, ts6, ts_upd, tm, tm6, yr,
     c, vc, tx, mtx, ltx, ttx, c_l1, vc_l1, tx_l1, bn, vb, bl, tbl, mbl, lbl, e, s, j, pt, pg, geo, mpt, gc, nn) VALUES
   (-128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0,
    -99999999999999999999999999999999999.999999999999999999999999999999, 0, -99999999999999999999,
    -3.4028234663852886e38, -1.7976931348623157e308, -9999.999, -2.2250738585072014e-308, 0, 0, 0, 0, 0,
    '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.0', '1000-01-01 00:00:00.00', '1000-01-01 00:00:00.000',
    '1000-01-01 00:00:00.0000', '1000-01-01 00:00:00.00000', '1000-01-01 00:00:00.000000',
    '1970-01-01 00:00:01', '1970-01-01 00:00:01.1', '1970-01-01 00:00:01.01', '1970-01-01 00:00:01.001',
    '1970-01-01 00:00:01.0001', '1970-01-01 00:00:01.00001', '1970-01-01 00:00:01.000001', '1970-01-01 00:00:01',
    '-838:59:59', '-838:59:59.000000', 1901,
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', UNHEX('00'), '', '', '', '', '', 'a', '', '[]',
    ST_PointFromText('POINT(-180 -90)'), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('POINT(0 0)'),
    ST_GeomFromText('MULTIPOINT(0 0,1 1)'), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))'), 'min')`,
  // maximums
  `INSERT INTO all_types (ti, tiu, si, siu, mi, miu, i, iu, bi, biu, i_zf, dec65, dec_u, dec0, f, d, f73, d_real, b1, b7, b8, b33, b64,
     dt, dtm0, dtm1, dtm2, dtm3, dtm4, dtm5, dtm6, ts0, ts1, ts2, ts3, ts4, ts5, ts6, ts_upd, tm, tm6, yr,
     c, vc, e, s, j, pt, pg, geo, nn) VALUES
   (127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 999999,
    99999999999999999999999999999999999.999999999999999999999999999999, 999.99, 99999999999999999999,
    3.4028234663852886e38, 1.7976931348623157e308, 9999.999, 1.7976931348623157e308,
    1, 127, 255, 8589934591, 18446744073709551615,
    '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.99', '9999-12-31 23:59:59.999',
    '9999-12-31 23:59:59.9999', '9999-12-31 23:59:59.99999', '9999-12-31 23:59:59.999999',
    '2038-01-19 03:14:07', '2038-01-19 03:14:07.9', '2038-01-19 03:14:07.99', '2038-01-19 03:14:07.999',
    '2038-01-19 03:14:07.9999', '2038-01-19 03:14:07.99999', '2038-01-19 03:14:07.999999', '2038-01-19 03:14:07',
    '838:59:59', '838:59:59.999999', 2155,
    'zzzzzzzzzz', REPEAT('😀', 100), 'é', 'x,y,z', '{"a":[1,2.5e300,{"b":"😀 \\\\u00e9"}],"t":"tab\\\\t"}',
    ST_PointFromText('POINT(180 90)'),
    ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))'),
    ST_GeomFromText('LINESTRING(0 0,1 1,2 5)', 4326), 'max')`,
  // floating point corners, odd BIT patterns, TIME over 24 h and negative with fractions
  `INSERT INTO all_types (f, d, f73, d_real, b1, b7, b8, b33, b64, tm, tm6, dtm6, ts6, nn) VALUES
   (1.401298464324817e-45, 4.9406564584124654e-324, 0.001, 2.2250738585072014e-308, 1, 85, 9, 4294967306, 9223372036854775808,
    '25:00:00', '-00:00:00.000001', '2024-02-29 12:34:56.789012', '2024-03-31 01:30:00.5', 'denormal'),
   (1.1754942106924411e-38, 1e-310, -0.001, 0.1, 0, 10, 92, 92, 1, '-25:30:00', '100:00:00.5', '1999-12-31 23:59:59.999999', '1999-12-31 23:59:59.999999', 'subnormal'),
   (0.1, 0.1, 0.1, 1/3, 1, 1, 10, 1, 2, '00:00:00', '00:00:00', '2000-01-01', '2000-01-01', 'tenth'),
   (-0e0, -0e0, -0.0, -1e-300*1e-300, 0, 0, 0, 0, 0, '-00:00:01', '-00:00:01', '2000-01-01', '2000-01-01', 'negzero'),
   (16777217, 9007199254740993, 1, 123456789.123456789, 1, 1, 1, 1, 1, '12:00:00', '12:00:00', '2000-01-01', '2000-01-01', 'bigint-ish')`,
  // zero dates and invalid ENUM under a permissive sql_mode
  // (e_empty: the invalid value, index 0, and the member '', index 1, look the same as text)
  `INSERT INTO all_types (dt, dtm0, dtm6, ts0, ts6, ts_upd, yr, e, s, e_empty, nn) VALUES
   ('0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', 0, 'nope', '', 'nope', 'zero'),
   ('2024-00-15', '2024-02-00 10:00:00', '0000-01-01 00:00:00.5', NULL, NULL, '0000-00-00 00:00:00', 2000, '', 'z', '', 'zero-in-date')`,
  // text: emoji, control characters, backslashes, the literal \\N, NULL-looking words; latin1 high bytes; binaries with every byte
  `INSERT INTO all_types (c, vc, tx, mtx, ltx, ttx, c_l1, vc_l1, tx_l1, bn, vb, bl, tbl, mbl, lbl, j, e, s, nn) VALUES
   ('tab\\tx', 'emoji 😀🚕 表 é', 'line1\\nline2\\r\\nline3\\ttab \\\\ back \\\\N \\\\\\\\', '\\\\N', 'NULL', '\\n',
    UNHEX('e9e8e0'), UNHEX('${HIGH_BYTES}'), UNHEX('${ALL_BYTES}'),
    UNHEX('000102090a0d5c4e27225c5c1aff0000'), UNHEX('${ALL_BYTES}'), UNHEX('${ALL_BYTES}'), UNHEX('${hexBytes(1, 255)}'),
    UNHEX(REPEAT('${ALL_BYTES}', 50)), UNHEX(REPEAT('${ALL_BYTES}', 400)), '{"k":"line\\\\nbreak","q":"\\\\"quoted\\\\""}', 'c d', 'y', 'text')`,
  // every nullable column NULL
  `INSERT INTO all_types (nn) VALUES ('all-null')`,
  // empty strings (not NULL) everywhere a string fits
  `INSERT INTO all_types (c, vc, tx, mtx, ltx, ttx, c_l1, vc_l1, tx_l1, bn, vb, bl, tbl, mbl, lbl, s, nn) VALUES
   ('', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '')`,
  // spatial values whose bytes contain tab, newline, CR and backslash
  `INSERT INTO all_types (pt, geo, nn) VALUES (${NASTY_POINT}, ${NASTY_POINT}, 'nasty-wkb')`,
  // MariaDB's own fixed-size types, at their extremes (their text is not what they take back as bytes)
  `INSERT INTO all_types (uid, ip4, ip6, nn) VALUES
   ('00000000-0000-0000-0000-000000000000', '0.0.0.0', '::', 'mdb-min'),
   ('123e4567-e89b-12d3-a456-426655440000', '192.168.9.10', '2001:db8::5c09:a00', 'mdb-mid'),
   ('ffffffff-ffff-ffff-ffff-ffffffffffff', '255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'mdb-max')`
]
