import { describe, expect, it } from 'vitest'
import { checkWhereFilter } from '../../../src/main/sync/engine/read/where-filter'
import { FILTER_FUNCTIONS, filterCalls, rowFilterProblem } from '../../../src/shared/row-filter'
import { FUNCTION_SAMPLES, ROW_FILTER_COLUMNS } from '../../fixtures/row-filter-samples'
import { AppError } from '../../../src/shared/errors'

/** The columns of the table `t` the corpus filters. */
const COLUMNS = ['id', 'status', 'amount', 'note', 'name', 'created_at', 'doc', 'flags', 'we`ird', 'prénom', 'a b', 'select', 'localtime']

function refusal(f: string, columns: readonly string[] | undefined = COLUMNS): AppError {
  let err: unknown
  try {
    checkWhereFilter(f, 't', columns)
  } catch (e) {
    err = e
  }
  expect(err, `refused: ${f}`).toBeInstanceOf(AppError)
  expect((err as AppError).code).toBe('VALIDATION')
  return err as AppError
}

describe('row filter check: accepted filters run as typed', () => {
  it.each([
    // the README's example
    'created_at >= NOW() - INTERVAL 30 DAY',
    "status = 'paid'",
    'id > 10 AND (amount < 5 OR amount > 100)',
    "note = 'a;b -- c /* d */ # e'",
    'note = "it\'s"',
    "name = 'O''Brien'",
    "name = 'back\\\\slash'",
    "note LIKE 'a\\_b%'",
    "note LIKE 'a!%b%' ESCAPE '!'",
    "note NOT LIKE '%x%'",
    'id IN (1, 2, 3)',
    "status NOT IN ('a', 'b')",
    'id BETWEEN 10 AND 20',
    'id NOT BETWEEN 10 AND 20 AND amount > 0',
    'note IS NULL',
    'note IS NOT NULL',
    'flags IS TRUE',
    'flags IS NOT UNKNOWN',
    "CASE WHEN amount > 100 THEN 'big' ELSE 'small' END = 'big'",
    'CASE status WHEN 1 THEN 1 ELSE 0 END = 1',
    "JSON_EXTRACT(doc, '$.a') = 1",
    "JSON_VALUE(doc, '$.kind') = 'x'",
    "JSON_CONTAINS(doc, '1', '$.tags')",
    "JSON_LENGTH(doc) > 2 AND JSON_UNQUOTE(JSON_EXTRACT(doc, '$.k')) = 'v'",
    "created_at >= DATE '2024-01-01'",
    "created_at < TIMESTAMP '2024-01-01 00:00:00'",
    "DATE(created_at) = '2024-01-01'",
    'YEAR(created_at) = 2024 AND MONTH(created_at) IN (1, 2)',
    'created_at > CURRENT_TIMESTAMP - INTERVAL 1 HOUR',
    'created_at > CURDATE()',
    'created_at < LOCALTIME',
    'TIMESTAMPDIFF(DAY, created_at, NOW()) < 7',
    "DATE_ADD(created_at, INTERVAL '1 2' DAY_HOUR) > UTC_TIMESTAMP()",
    'EXTRACT(YEAR FROM created_at) = 2024',
    'flags = 0x1F OR flags = X\'0a\' OR flags = b\'101\'',
    "note = N'x'",
    "note = 'x' COLLATE utf8mb4_bin",
    "CONVERT(note USING utf8mb4) = 'x'",
    "CONVERT(amount, CHAR(3)) = '1'",
    'CAST(amount AS DECIMAL(10,2)) > 1.5',
    'CAST(amount AS UNSIGNED) = 1',
    "CAST(note AS CHAR(10) CHARACTER SET utf8mb4) = 'x'",
    "TRIM(BOTH 'x' FROM note) = ''",
    "LOWER(name) LIKE 'a%' AND LENGTH(name) < 10",
    "COALESCE(note, '') <> '' AND IFNULL(amount, 0) > 0 AND NULLIF(status, '') IS NOT NULL",
    'IF(amount > 0, 1, 0) = 1',
    "LEFT(name, 2) = 'ab' AND SUBSTRING(name, 1, 2) = 'ab'",
    'CRC32(id) % 10 = 0',
    "SHA2(REPEAT(CONCAT(name, note), 60), 512) <> ''",
    "LPAD(name, 5, '0') = '000ab' AND RPAD(name, 5, ' ') <> SPACE(5)",
    'id DIV 2 = 1 AND id MOD 2 = 0',
    'flags & 4 = 4 AND flags | 1 > 0 AND flags ^ 1 > 0 AND ~flags < 0 AND flags << 1 > 0 AND flags >> 1 >= 0',
    '!(id = 1) && (id = 2 || id = 3)',
    'NOT (id = 1 OR id = 2)',
    'id = 1 XOR amount > 2',
    '(id, amount) IN ((1, 2), (3, 4))',
    'id = -1 OR id = - 1 OR id = +1',
    't.id = 1',
    '`t`.`id` = 1',
    '`id` = 1',
    'ID = 1',
    '`we``ird` = 1',
    '`prénom` = \'é\'',
    '`a b` = 1',
    '`select` = 1',
    '`localtime` = 1',
    "note = 'é 😀'",
    '12345678901234567890123 > id'
  ])('accepts %s', (f) => {
    expect(checkWhereFilter(f, 't', COLUMNS)).toBe(f)
    expect(checkWhereFilter(f, 't')).toBe(f)
  })

  it('returns the filter trimmed, byte for byte otherwise', () => {
    expect(checkWhereFilter("  status = 'paid'\n", 't')).toBe("status = 'paid'")
  })
})

describe('row filter check: refused filters name the part', () => {
  it.each([
    // the bypasses of issue 10: quoted names are calls too
    ['`sleep`(3)=0', /function SLEEP is not allowed/],
    ["`benchmark`(2e7,MD5('a'))=0", /function BENCHMARK is not allowed/],
    ["`load_file`('/etc/hostname') IS NOT NULL", /function LOAD_FILE is not allowed/],
    ["MASTER_GTID_WAIT('0-1-100', 30) = 0", /function MASTER_GTID_WAIT is not allowed/],
    ['SLEEP(3) = 0', /function SLEEP is not allowed/],
    ['SLEEP (3) = 0', /function SLEEP is not allowed/],
    ['sLeEp(3) = 0', /function SLEEP is not allowed/],
    ['SLEEP\n(3) = 0', /function SLEEP is not allowed/],
    ['mysql.sleep(1) = 0', /function mysql\.sleep is not allowed/],
    ['`mysql`.`sleep`(1) = 0', /function mysql\.sleep is not allowed/],
    ['sys.ps_thread_id(1) = 0', /function sys\.ps_thread_id is not allowed/],
    ['t.upper(name) = 1', /schema-qualified/],
    ['`upper`(name) = 1', /write the function UPPER without quotes/],
    ['benchmark(1000000, MD5(1)) = 0', /BENCHMARK/],
    ["load_file('/etc/passwd') IS NOT NULL", /LOAD_FILE/],
    ["get_lock('x', 10) = 1", /GET_LOCK/],
    ["release_lock('x') = 1", /RELEASE_LOCK/],
    ['uuid() = note', /UUID .*changes from call to call/],
    ['rand() < 0.5', /RAND .*changes from call to call/],
    ['created_at < SYSDATE()', /SYSDATE/],
    ["user() = 'root'", /function USER is not allowed/],
    ["database() = 'x'", /DATABASE/],
    ["version() = 'x'", /VERSION/],
    ['connection_id() = 1', /CONNECTION_ID/],
    ['last_insert_id(5) = 5', /LAST_INSERT_ID/],
    ["CURRENT_USER = 'x'", /function CURRENT_USER is not allowed/],
    ["CURRENT_USER() = 'x'", /function CURRENT_USER is not allowed/],
    ["CURRENT_ROLE = 'x'", /CURRENT_ROLE/],
    ['NEXTVAL(s) = 1', /NEXTVAL/],
    ['LASTVAL(s) = 1', /LASTVAL/],
    ['NEXT VALUE FOR s = 1', /FOR/],
    ['VALUES(id) = 1', /function VALUES is not allowed/],
    ['DEFAULT(id) = 1', /DEFAULT/],
    ['ROW(1, 2) = (id, amount)', /function ROW is not allowed/],
    ['id = (SELECT 1)', /subqueries are not allowed in a row filter \(SELECT\)/],
    ['(SELECT 1)', /subqueries/],
    ['EXISTS(SELECT 1)', /subqueries are not allowed/],
    ['id IN (SELECT id FROM t)', /subqueries/],
    ['id IN (TABLE t)', /subqueries/],
    ['id IN (WITH x AS (SELECT 1) SELECT * FROM x)', /subqueries/],
    ['@a = 1', /user variables/],
    ['@@version = 1', /system variables/],
    ['@a:=1', /user variables/],
    ['id := 1', /assignments/],
    ['id = ?', /placeholders/],
    ['id = :x', /placeholders/],
    ['/*!50000 sleep(1)*/ 1=1', /comment \(\/\*\)/],
    ['/*M!100000 sleep(1)*/ 1=1', /comment/],
    ['1=1 /* x */', /comment/],
    ['1=1 -- x', /comment \(--\)/],
    ['1=1 #x', /comment \(#\)/],
    ['id--1 = 0', /comment/],
    ['1=1; DROP TABLE t', /separator/],
    ["1=1 INTO OUTFILE '/tmp/x'", /INTO is not allowed/],
    ['1=1 INTO @x', /user variables/],
    ['1=1) OR (1=1', /closes a parenthesis/],
    ['(1=1', /do not balance/],
    ['1=1 UNION SELECT 1', /UNION is not allowed/],
    ['1=1 FOR UPDATE', /FOR/],
    ['1=1 LIMIT 1', /LIMIT/],
    ['1=1 ORDER BY id', /ORDER/],
    ['1=1 GROUP BY id', /GROUP/],
    ['COUNT(*) > 1', /aggregate functions \(COUNT\)/],
    ['MAX(id) > 1', /aggregate functions \(MAX\)/],
    ['ROW_NUMBER() OVER () > 1', /ROW_NUMBER/],
    ['SUM(id) OVER () > 1', /aggregate|OVER/],
    ["MATCH(note) AGAINST ('x')", /MATCH … AGAINST/],
    ["note REGEXP '^(a+)+$'", /REGEXP is not allowed/],
    ["note RLIKE 'x'", /RLIKE is not allowed/],
    ["REGEXP_SUBSTR(note, 'x') = 'x'", /REGEXP_SUBSTR/],
    ["note = 'unterminated", /unterminated/],
    ['note = "unterminated', /unterminated/],
    ['`note = 1', /unterminated/],
    ["note = 'it\\'s'", /backslash/],
    ['note = "a\\"b"', /backslash/],
    ['id = 1\0', /NUL/],
    ['\\N IS NULL', /backslash outside quotes/],
    ["_utf8mb4'x' = note", /introducers/],
    ['id = 1e3', /without an exponent/],
    ['id = 0b101', /b'101'/],
    ['id = .5', /leading zero/],
    ['id = 0X1F', /neither a number nor a name/],
    ['1abc = 1', /neither a number nor a name/],
    ['ѕleep(1) = 0', /U\+0455/],
    ['prénom = 1', /U\+00E9/],
    ['id\u00a0= 1', /U\+00A0/],
    ['ſleep(1) = 0', /U\+017F/],
    ["doc->'$.a' = 1", /JSON operators/],
    ['{fn now()} > 1', /ODBC/],
    ['$x = 1', /\$/],
    ['db.t.id = 1', /qualify a column by its table only/],
    ['other.id = 1', /only by its own table \(t\)/],
    ['id <=> NULL', /<=>/],
    ["note SOUNDS LIKE 'x'", /SOUNDS/],
    ["BINARY note = 'x'", /BINARY/],
    ['SUBSTRING(note FROM 1 FOR 2) = 1', /FOR is not allowed .*SUBSTRING\(s, start, length\)/],
    ["'x' 'y' = note", /near/],
    ['CAST(id AS JSON) = 1', /CAST and CONVERT to JSON/],
    ['TIMESTAMPDIFF(SQL_TSI_DAY, created_at, NOW()) > 1', /not allowed/],
    ['id IS 1', /IS may only be followed/],
    // type names are calls (of a stored function of that name) outside CAST and CONVERT
    ['DATETIME(1) = created_at', /function DATETIME is not allowed/],
    ['IF(id, DECIMAL(1), 0) = 1', /function DECIMAL is not allowed/],
    ["note LIKE 'x' ESCAPE ('!') AND ESCAPE(1) = 1", /function ESCAPE is not allowed/],
    ['CAST(id AS SIGNED) = NCHAR(1)', /function NCHAR is not allowed/],
    ['SELECT', /subqueries/],
    ['id = 1 AND', /not an expression/],
    ['   ', /empty/]
  ])('refuses %s', (f, why) => {
    expect(refusal(f).message).toMatch(why)
    expect(refusal(f, undefined).message).toMatch(why)
  })

  it('names the table and carries the filter and the part', () => {
    const err = refusal('`sleep`(3)=0')
    expect(err.message).toBe('The filter of t is refused: the function SLEEP is not allowed in a row filter.')
    expect(err.details).toEqual({ table: 't', filter: '`sleep`(3)=0', part: 'the function SLEEP is not allowed in a row filter' })
  })

  it('refuses an unknown column naming it, with the closest name', () => {
    expect(refusal('amout > 1').message).toBe('The filter of t is refused: the column amout does not exist in t (did you mean amount?).')
    expect(refusal('zzz = 1').message).toBe('The filter of t is refused: the column zzz does not exist in t.')
    expect(refusal('`note ` = 1').message).toMatch(/the column note {2}does not exist/)
    expect(refusal('COALESCE(missing, 1) = 1').message).toMatch(/column missing does not exist/)
    expect(refusal("JSON_VALUE(docs, '$.a') = 1").message).toMatch(/column docs does not exist in t \(did you mean doc\?\)/)
    // Without the column list, names are not checked (syncs.create has no server at hand).
    expect(checkWhereFilter('amout > 1', 't')).toBe('amout > 1')
  })

  it('refuses a filter longer than 10000 characters', () => {
    expect(refusal(`id IN (${Array.from({ length: 3000 }, (_, i) => i).join(',')})`).message).toMatch(/longer than 10000/)
  })

  it('rowFilterProblem answers the reason for a form field, or null', () => {
    expect(rowFilterProblem('', 't')).toBeNull()
    expect(rowFilterProblem("status = 'x'", 't', COLUMNS)).toBeNull()
    expect(rowFilterProblem('SLEEP(1)', 't')).toMatch(/function SLEEP is not allowed/)
    expect(rowFilterProblem('amout > 1', 't', COLUMNS)).toMatch(/did you mean amount/)
  })
})

describe('row filter check: size and depth', () => {
  it('refuses parentheses nested past 100 and accepts a long IN list', () => {
    expect(refusal(`${'('.repeat(101)}id${')'.repeat(101)} = 1`).message).toMatch(/more than 100 deep/)
    expect(checkWhereFilter(`${'('.repeat(100)}id${')'.repeat(100)} = 1`, 't', COLUMNS)).toMatch(/^\(/)
    const long = `id IN (${Array.from({ length: 1900 }, (_, i) => i).join(',')})`
    expect(checkWhereFilter(long, 't', COLUMNS)).toBe(long)
  })
})

describe('row filter check: the function allowlist', () => {
  it('has a sample filter for every allowed function, and accepts each', () => {
    expect([...FILTER_FUNCTIONS].filter((f) => !(f in FUNCTION_SAMPLES))).toEqual([])
    expect(Object.keys(FUNCTION_SAMPLES).filter((f) => !FILTER_FUNCTIONS.has(f))).toEqual([])
    for (const [name, f] of Object.entries(FUNCTION_SAMPLES)) {
      expect(rowFilterProblem(f, 'orders', ROW_FILTER_COLUMNS), name).toBeNull()
    }
  })
})

describe('row filter check: the calls a filter makes', () => {
  it('lists the functions called, bare time functions included, once each', () => {
    expect(filterCalls("created_at >= NOW() - INTERVAL 30 DAY AND LOWER(note) = lower('X') AND created_at < LOCALTIME")).toEqual(['LOCALTIME', 'LOWER', 'NOW'])
    expect(filterCalls('CAST(amount AS DECIMAL(10,2)) > 1 AND now = 1')).toEqual(['CAST'])
  })
})
