/**
 * The words of a row filter, as data: which functions a filter may call, which keywords it may use,
 * and which words the server reserves (those can never be a bare column name, so a bare one that is
 * not an allowed keyword is refused rather than guessed at). Shared by the lexical check and the
 * parse-tree check in row-filter.ts, and listed in the README and docs/api.md.
 */

/**
 * Functions a row filter may call: pure, and the same for every row on the copy and on its
 * verification. Left out on purpose: anything that reads or writes files, locks, sleeps, loops or
 * waits (LOAD_FILE, GET_LOCK, SLEEP, BENCHMARK, MASTER_GTID_WAIT), anything that reads the session or
 * the server (USER, DATABASE, VERSION, CONNECTION_ID, LAST_INSERT_ID, which also sets a value), random
 * or per-call values (RAND, UUID, SYSDATE, which changes within one statement), sequences, aggregates and
 * window functions, and REGEXP with its functions: a pattern as short as '^(a+)+$' makes PCRE backtrack
 * until its match limit, about 0.2 s per row on MariaDB 10.11, so a filter written by accident could
 * stall a scan for hours; LIKE covers most needs at a cost linear in the value. The allowed functions
 * cost time linear in what they produce, and no value grows past max_allowed_packet (it becomes NULL),
 * so a filter's cost per row is bounded; a slow one is still cancelled with its run.
 * NOW() and its kin are allowed: `created_at >= NOW() - INTERVAL 30 DAY` is what filters are for.
 */
export const FILTER_FUNCTION_GROUPS = {
  'date and time': [
    'ADDDATE', 'ADDTIME', 'CONVERT_TZ', 'CURDATE', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'CURTIME',
    'DATE', 'DATEDIFF', 'DATE_ADD', 'DATE_FORMAT', 'DATE_SUB', 'DAY', 'DAYNAME', 'DAYOFMONTH', 'DAYOFWEEK',
    'DAYOFYEAR', 'EXTRACT', 'FROM_DAYS', 'FROM_UNIXTIME', 'HOUR', 'LAST_DAY', 'LOCALTIME', 'LOCALTIMESTAMP',
    'MAKEDATE', 'MAKETIME', 'MICROSECOND', 'MINUTE', 'MONTH', 'MONTHNAME', 'NOW', 'PERIOD_ADD', 'PERIOD_DIFF',
    'QUARTER', 'SECOND', 'SEC_TO_TIME', 'STR_TO_DATE', 'SUBDATE', 'SUBTIME', 'TIME', 'TIMEDIFF', 'TIMESTAMP',
    'TIMESTAMPADD', 'TIMESTAMPDIFF', 'TIME_FORMAT', 'TIME_TO_SEC', 'TO_DAYS', 'TO_SECONDS', 'UNIX_TIMESTAMP',
    'UTC_DATE', 'UTC_TIME', 'UTC_TIMESTAMP', 'WEEK', 'WEEKDAY', 'WEEKOFYEAR', 'YEAR', 'YEARWEEK'
  ],
  string: [
    'ASCII', 'BIN', 'BIT_LENGTH', 'CHAR', 'CHARACTER_LENGTH', 'CHAR_LENGTH', 'CONCAT', 'CONCAT_WS', 'ELT', 'FIELD',
    'FIND_IN_SET', 'FORMAT', 'FROM_BASE64', 'HEX', 'INSTR', 'LCASE', 'LEFT', 'LENGTH', 'LOCATE', 'LOWER', 'LPAD',
    'LTRIM', 'MID', 'OCT', 'OCTET_LENGTH', 'ORD', 'POSITION', 'QUOTE', 'REPEAT', 'REPLACE', 'REVERSE', 'RIGHT', 'RPAD',
    'RTRIM', 'SOUNDEX', 'SPACE', 'STRCMP', 'SUBSTR', 'SUBSTRING', 'SUBSTRING_INDEX', 'TO_BASE64', 'TRIM', 'UCASE',
    'UNHEX', 'UPPER'
  ],
  'math and hashing': [
    'ABS', 'ACOS', 'ASIN', 'ATAN', 'ATAN2', 'BIT_COUNT', 'CEIL', 'CEILING', 'CONV', 'COS', 'COT', 'CRC32', 'DEGREES',
    'EXP', 'FLOOR', 'GREATEST', 'LEAST', 'LN', 'LOG', 'LOG10', 'LOG2', 'MD5', 'MOD', 'PI', 'POW', 'POWER', 'RADIANS',
    'ROUND', 'SHA1', 'SHA2', 'SIGN', 'SIN', 'SQRT', 'TAN', 'TRUNCATE'
  ],
  'JSON readers': [
    'JSON_CONTAINS', 'JSON_CONTAINS_PATH', 'JSON_DEPTH', 'JSON_EXISTS', 'JSON_EXTRACT', 'JSON_KEYS', 'JSON_LENGTH',
    'JSON_OVERLAPS', 'JSON_QUERY', 'JSON_SEARCH', 'JSON_TYPE', 'JSON_UNQUOTE', 'JSON_VALID', 'JSON_VALUE'
  ],
  'NULL handling and conditions': ['COALESCE', 'IF', 'IFNULL', 'INTERVAL', 'ISNULL', 'NULLIF'],
  conversion: ['CAST', 'CONVERT']
} as const satisfies Record<string, readonly string[]>

export const FILTER_FUNCTIONS: ReadonlySet<string> = new Set(Object.values(FILTER_FUNCTION_GROUPS).flat())

/** Functions the server also runs when written bare, without parentheses (`created_at < CURRENT_DATE`). */
export const BARE_TIME_FUNCTIONS: ReadonlySet<string> = new Set([
  'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'LOCALTIME', 'LOCALTIMESTAMP', 'UTC_DATE', 'UTC_TIME', 'UTC_TIMESTAMP'
])

/** Bare words the server reads as a call of a function that is not allowed (found by asking MariaDB 10.11). */
export const BARE_REFUSED_FUNCTIONS: ReadonlySet<string> = new Set(['CURRENT_USER', 'CURRENT_ROLE'])

/** Units of INTERVAL, EXTRACT, TIMESTAMPADD and TIMESTAMPDIFF. */
export const INTERVAL_UNITS: ReadonlySet<string> = new Set([
  'MICROSECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR', 'SECOND_MICROSECOND',
  'MINUTE_MICROSECOND', 'MINUTE_SECOND', 'HOUR_MICROSECOND', 'HOUR_SECOND', 'HOUR_MINUTE', 'DAY_MICROSECOND',
  'DAY_SECOND', 'DAY_MINUTE', 'DAY_HOUR', 'YEAR_MONTH'
])

/** Target types of CAST and CONVERT: plain values only. */
export const CAST_TYPES: ReadonlySet<string> = new Set([
  'BINARY', 'CHAR', 'NCHAR', 'DATE', 'DATETIME', 'TIME', 'DECIMAL', 'DOUBLE', 'FLOAT', 'SIGNED', 'UNSIGNED',
  'INT', 'INTEGER', 'SIGNED INTEGER', 'UNSIGNED INTEGER', 'SIGNED INT', 'UNSIGNED INT'
])

/** Reserved words a filter may use: operators, literals, and the keywords inside CAST, CONVERT, TRIM, EXTRACT. */
export const ALLOWED_KEYWORDS: ReadonlySet<string> = new Set([
  'AND', 'OR', 'NOT', 'XOR', 'IS', 'IN', 'BETWEEN', 'LIKE', 'DIV', 'MOD', 'CASE', 'WHEN', 'THEN', 'ELSE', 'INTERVAL',
  'NULL', 'TRUE', 'FALSE', 'COLLATE', 'AS', 'BINARY', 'CHAR', 'CHARACTER', 'SET', 'CONVERT', 'USING', 'DECIMAL', 'DOUBLE',
  'FLOAT', 'INT', 'INTEGER', 'UNSIGNED', 'FROM', 'BOTH', 'LEADING', 'TRAILING', 'IF', 'LEFT', 'RIGHT', 'REPLACE', 'REPEAT',
  ...BARE_TIME_FUNCTIONS,
  ...[...INTERVAL_UNITS].filter((u) => u.includes('_'))
])

/** Keywords that may stand right before an opening parenthesis without being a function call. */
export const KEYWORDS_BEFORE_PARENTHESIS: ReadonlySet<string> = new Set([
  'AND', 'OR', 'NOT', 'XOR', 'IN', 'BETWEEN', 'LIKE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'DIV', 'MOD', 'FROM'
])

/**
 * Types with a length, allowed before "(" only where a type stands: after AS in CAST, after the comma
 * of CONVERT. Anywhere else `DATETIME(1)` is a call, and the server would look for a stored function
 * of that name.
 */
export const TYPES_WITH_LENGTH: ReadonlySet<string> = new Set(['BINARY', 'CHAR', 'NCHAR', 'DECIMAL', 'DATETIME', 'TIME', 'FLOAT', 'DOUBLE'])

/**
 * MariaDB 10.11's reserved words (each one that `SELECT 1 FROM t WHERE (word) IS NULL` refuses as a
 * syntax error), plus MySQL 8's window and JSON table words. A bare one can never be a column name.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    'ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY CALL CASCADE ' +
    'CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT CREATE CROSS CURSOR ' +
    'DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEC DECIMAL DECLARE DEFAULT DELAYED DELETE ' +
    'DELETE_DOMAIN_ID DESC DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV DO_DOMAIN_IDS DOUBLE DROP DUAL EACH ELSE ' +
    'ELSEIF ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN FETCH FLOAT FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM FULLTEXT ' +
    'GRANT GROUP HAVING HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IF IGNORE IGNORE_DOMAIN_IDS INTERSECT ' +
    'IN INDEX INFILE INNER INOUT INSENSITIVE INSERT INT INT1 INT2 INT3 INT4 INT8 INTEGER INTERVAL INTO IS ITERATE ' +
    'JOIN KEY KEYS KILL LEADING LEAVE LEFT LIKE LIMIT LINEAR LINES LOAD LOCK LONG LONGBLOB LONGTEXT LOOP LOW_PRIORITY ' +
    'MASTER_SSL_VERIFY_SERVER_CERT MASTER_DEMOTE_TO_REPLICA MASTER_DEMOTE_TO_SLAVE MATCH MAXVALUE MEDIUMBLOB ' +
    'MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG ' +
    'NUMERIC OFFSET ON OPTIMIZE OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER PAGE_CHECKSUM PARSE_VCOL_EXPR PARTITION ' +
    'PORTION PRECISION PRIMARY PROCEDURE PURGE RANGE READ READ_WRITE READS REAL RECURSIVE REFERENCES REGEXP RELEASE ' +
    'RENAME REPLACE REPEAT REQUIRE RESIGNAL RESTRICT RETURN RETURNING REVOKE RIGHT RLIKE ROWS ROW_NUMBER SCHEMAS ' +
    'SECOND_MICROSECOND SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL SMALLINT SPATIAL SPECIFIC REF_SYSTEM_ID SQL ' +
    'SQLEXCEPTION SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING ' +
    'STATS_AUTO_RECALC STATS_PERSISTENT STATS_SAMPLE_PAGES STRAIGHT_JOIN TABLE TERMINATED THEN TINYBLOB TINYINT ' +
    'TINYTEXT TO TRAILING TRIGGER UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE USAGE USE USING VALUES VARBINARY VARCHAR ' +
    'VARCHARACTER VARYING WHEN WHERE WHILE WITH WRITE XOR YEAR_MONTH ZEROFILL ' +
    // MySQL 8
    'CUME_DIST DENSE_RANK EMPTY FIRST_VALUE GROUPING GROUPS JSON_TABLE LAG LAST_VALUE LATERAL LEAD NTH_VALUE NTILE OF ' +
    'PERCENT_RANK RANK SYSTEM WINDOW GENERATED GET STORED VIRTUAL ' +
    // parens-free values (TRUE, NULL, ...) and calls: the server never reads them as a column
    'NULL TRUE FALSE CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURRENT_ROLE LOCALTIME LOCALTIMESTAMP ' +
    'UTC_DATE UTC_TIME UTC_TIMESTAMP'
  ).split(' ')
)
