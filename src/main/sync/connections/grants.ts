import type { SourcePrivileges, TargetPrivileges } from '../../../shared/connections'

/**
 * Reads `SHOW GRANTS` output and answers which privileges a sync needs are held, either globally
 * (`*.*`) or on the given database (including wildcard database grants such as `app\_%`.*).
 * Table- and column-level grants do not count: a sync works on whole databases.
 *
 * Raw grant lines are never passed on: on MariaDB they can carry the password hash
 * (`IDENTIFIED BY PASSWORD '*...'`).
 */

interface Grant {
  privileges: Set<string>
  db: string | null // null: *.*
  /** Database name pattern uses LIKE wildcards (MySQL treats unescaped % and _ in db grants so). */
  isPattern: boolean
  table: string // '*' for database-wide
}

/** Splits "SELECT, INSERT, UPDATE (a, b)" on top-level commas. */
function splitPrivileges(list: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of list) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out.map((p) => p.replace(/\(.*\)/, '').trim().toUpperCase().replace(/\s+/g, ' ')).filter(Boolean)
}

/** Reads one identifier (`quoted`, "quoted" or bare) at the start of s; returns it and the rest. */
function readIdent(s: string): [string, string] | null {
  const q = s[0]
  if (q === '`' || q === '"') {
    let i = 1
    let name = ''
    while (i < s.length) {
      if (s[i] === q) {
        if (s[i + 1] === q) {
          name += q
          i += 2
          continue
        }
        return [name, s.slice(i + 1)]
      }
      name += s[i]
      i++
    }
    return null
  }
  const m = /^([^.\s]+)/.exec(s)
  return m ? [m[1]!, s.slice(m[1]!.length)] : null
}

export function parseGrant(line: string): Grant | null {
  const m = /^GRANT\s+(.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE|PACKAGE(?: BODY)?)\s+)?(\S.*?)\s+TO\s+/i.exec(line.trim())
  if (!m) return null // role grants (GRANT role TO user) and anything unexpected
  const privileges = new Set(splitPrivileges(m[1]!))
  const target = m[2]!
  if (target.startsWith('*.*')) return { privileges, db: null, isPattern: false, table: '*' }
  const first = readIdent(target)
  if (!first) return null
  const [db, rest] = first
  if (!rest.startsWith('.')) return null
  const tail = rest.slice(1)
  const table = tail.startsWith('*') ? '*' : (readIdent(tail)?.[0] ?? '')
  return { privileges, db, isPattern: /(^|[^\\])[%_]/.test(db), table }
}

/** MySQL LIKE semantics with backslash escapes, as used in database-level grants. */
export function likeMatches(pattern: string, value: string): boolean {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    if (ch === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i]!)
    } else if (ch === '%') re += '.*'
    else if (ch === '_') re += '.'
    else re += escapeRe(ch)
  }
  return new RegExp(re + '$', 's').test(value)
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function unescapeDb(name: string): string {
  return name.replace(/\\([%_\\])/g, '$1')
}

/** Privileges held globally and (separately) on the given database. */
export function heldPrivileges(grantLines: string[], database: string | null): { global: Set<string>; db: Set<string> } {
  const global = new Set<string>()
  const db = new Set<string>()
  for (const line of grantLines) {
    const g = parseGrant(line)
    if (!g || g.table !== '*') continue
    if (g.db === null) for (const p of g.privileges) global.add(p)
    else if (database !== null && (g.isPattern ? likeMatches(g.db, database) : unescapeDb(g.db) === database)) {
      for (const p of g.privileges) db.add(p)
    }
  }
  return { global, db }
}

export function evaluatePrivileges(
  grantLines: string[],
  database: string | null
): { source: SourcePrivileges; target: TargetPrivileges } {
  const held = heldPrivileges(grantLines, database)
  const isAll = (s: Set<string>): boolean => s.has('ALL PRIVILEGES') || s.has('ALL')
  const inSet = (s: Set<string>, names: string[]): boolean => isAll(s) || names.some((n) => s.has(n))
  /** Database-level privileges: granted on *.* or on the database. */
  const has = (...names: string[]): boolean => inSet(held.global, names) || inSet(held.db, names)
  /** Server-wide privileges (RELOAD, REPLICATION CLIENT) exist only in *.* grants. */
  const hasGlobal = (...names: string[]): boolean => inSet(held.global, names)
  return {
    source: {
      select: has('SELECT'),
      showView: has('SHOW VIEW'),
      reload: hasGlobal('RELOAD'),
      replicationClient: hasGlobal('REPLICATION CLIENT', 'BINLOG MONITOR')
    },
    target: {
      insert: has('INSERT'),
      update: has('UPDATE'),
      delete: has('DELETE'),
      create: has('CREATE'),
      drop: has('DROP'),
      alter: has('ALTER'),
      index: has('INDEX')
    }
  }
}
