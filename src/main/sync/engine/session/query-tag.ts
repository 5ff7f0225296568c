import type { Connection } from 'mysql2/promise'

/**
 * The comment every statement of a run starts with, `/* db-taxi:<tag> *\/`, so PROCESSLIST shows
 * whose statement it is (see run-tag.ts). Imports nothing but types: the wire-level modules use it too.
 */

export const TAG_RE = /^[0-9a-z]{1,12}$/

export function assertTag(tag: string): string {
  if (!TAG_RE.test(tag)) throw new Error(`invalid run tag ${JSON.stringify(tag)}`)
  return tag
}

export function queryTagComment(tag: string): string {
  return `/* db-taxi:${assertTag(tag)} */ `
}

export function runLockName(tag: string): string {
  return `db-taxi:run:${assertTag(tag)}`
}

const TAGGED = Symbol('db-taxi.queryTag')

type Tagged = { [TAGGED]?: string }

/** The comment a tagged session puts before each statement ('' for an untagged session). */
export function sessionTagPrefix(conn: Connection): string {
  const tag = (conn as unknown as Tagged)[TAGGED]
  return tag ? queryTagComment(tag) : ''
}

function tagSql(prefix: string, sql: unknown): unknown {
  if (typeof sql === 'string') return prefix + sql
  if (sql && typeof sql === 'object' && typeof (sql as { sql?: unknown }).sql === 'string') {
    return { ...(sql as object), sql: prefix + (sql as { sql: string }).sql }
  }
  return sql
}

/**
 * Makes every statement of the session carry the run's tag: query, execute and prepare are
 * wrapped on this one connection object (the engine's own protocol commands, wire.ts and
 * row-stream.ts, read the prefix with sessionTagPrefix).
 */
export function tagConnection(conn: Connection, tag: string): Connection {
  const prefix = queryTagComment(tag)
  const c = conn as unknown as Record<'query' | 'execute' | 'prepare', (...args: unknown[]) => unknown> & Tagged
  for (const m of ['query', 'execute', 'prepare'] as const) {
    const original = c[m].bind(conn)
    c[m] = (sql: unknown, ...rest: unknown[]) => original(tagSql(prefix, sql), ...rest)
  }
  c[TAGGED] = tag
  return conn
}

