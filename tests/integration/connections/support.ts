import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { EventMap, EventName } from '../../../src/shared/contract'
import { startPrivateServer, type PrivateServer, type ServerAddress } from '../../helpers/mariadb'

/** Shared by the connections integration tests: a sync system on a temp data dir, and small fixtures. */

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `dbt-${label}-`))
}

export interface TestSystem {
  system: SyncSystem
  dispatch: Dispatch
  events: { name: EventName; payload: EventMap[EventName] }[]
  stop(): Promise<void>
}

export function startSystem(dataDir: string, env: Record<string, string> = {}): TestSystem {
  const system = createSyncSystem({
    layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir, ...env } }),
    mode: 'headless',
    consoleLog: false
  })
  const events: TestSystem['events'] = []
  system.events.onAny((name, payload) => events.push({ name, payload }))
  const dispatch = createDispatcher(createHandlers(system), system.logger)
  return { system, dispatch, events, stop: () => system.stop(10_000) }
}

/** Calls a method and returns its data, failing the test with the error when the envelope is not ok. */
export async function call<T = unknown>(dispatch: Dispatch, method: string, input: unknown): Promise<T> {
  const res = await dispatch(method, input)
  if (!res.ok) throw new Error(`${method} failed: ${res.error.code}: ${res.error.message}`)
  return res.data as T
}

export async function adminQuery(addr: ServerAddress, sql: string, params: unknown[] = []): Promise<unknown> {
  const c = await mysql.createConnection({ host: addr.host, port: addr.port, user: addr.user, password: addr.password })
  try {
    const [rows] = await c.query(sql, params)
    return rows
  } finally {
    await c.end()
  }
}

/** A user that may log in from loopback only, with the given grants. Returns a drop function. */
export async function createUser(addr: ServerAddress, user: string, password: string, grants: string[]): Promise<() => Promise<void>> {
  for (const host of ['localhost', '127.0.0.1']) {
    await adminQuery(addr, `CREATE USER ?@? IDENTIFIED BY ?`, [user, host, password])
    for (const g of grants) await adminQuery(addr, g.replace('{user}', `'${user}'@'${host}'`))
  }
  return async () => {
    for (const host of ['localhost', '127.0.0.1']) await adminQuery(addr, 'DROP USER IF EXISTS ?@?', [user, host])
  }
}

/** A TCP listener on loopback that accepts connections and never sends a byte (a hung server). */
export async function silentListener(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server: Server = createServer((s) => {
    accepted++
    sockets.add(s)
    s.on('error', () => undefined)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

/** Every file under dir, recursively, as bytes. */
export function allFiles(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...allFiles(p))
    else out.push({ path: p, bytes: readFileSync(p) })
  }
  return out
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  stepMs = 25
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, stepMs))
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * startPrivateServer with a temp dir of its own. mariadbd (and mariadb-install-db's bootstrap)
 * delete every `#sql*` file in their tmpdir at start, so two private servers starting at once in
 * parallel test files with the shared /tmp can delete each other's temporary tables and fail.
 * TMPDIR is set only around the start (install-db inherits it); --tmpdir keeps restarts isolated.
 */
export async function startIsolatedServer(extraArgs: string[] = []): Promise<PrivateServer & { stopAll(): Promise<void> }> {
  const tmp = mkdtempSync(join(tmpdir(), 'dbt-mtmp-'))
  chmodSync(tmp, 0o1777) // mariadbd runs as mysql
  const saved = process.env.TMPDIR
  process.env.TMPDIR = tmp
  let server: PrivateServer
  try {
    server = await startPrivateServer([`--tmpdir=${tmp}`, ...extraArgs])
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw err
  } finally {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
  }
  return Object.assign(server, {
    async stopAll() {
      await server.stop()
      rmSync(tmp, { recursive: true, force: true })
    }
  })
}
