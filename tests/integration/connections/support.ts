import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
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

// ---------- TLS fixtures: a CA and certificates made here with openssl, a private server using them ----------

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`)
}

/** A self-signed CA: `<dir>/<name>.pem` and `<name>.key`. */
export function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`], dir)
}

/** A certificate signed by `ca`, with common name `cn` and, when given, subjectAltName `san` (e.g. `IP:127.0.0.1,DNS:localhost`). */
export function makeSigned(dir: string, ca: string, name: string, cn: string, san?: string): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir)
  const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2']
  if (san) {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`)
    args.push('-extfile', `${name}.ext`)
  }
  openssl(args, dir)
}

function idOf(flag: '-u' | '-g', user: string): number {
  return Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim())
}

/**
 * A private mariadbd with TLS: `<certs>/<ca>.pem` as its CA and `<certs>/<cert>.pem`/`.key` as its
 * certificate (mariadbd runs as mysql and must read them, so they are handed to that user).
 */
export async function startTlsServer(certs: string, cert: string, ca = 'ca'): Promise<Awaited<ReturnType<typeof startIsolatedServer>>> {
  chmodSync(certs, 0o755)
  for (const f of [`${ca}.pem`, `${cert}.pem`, `${cert}.key`]) chownSync(join(certs, f), idOf('-u', 'mysql'), idOf('-g', 'mysql'))
  return startIsolatedServer([`--ssl-ca=${join(certs, `${ca}.pem`)}`, `--ssl-cert=${join(certs, `${cert}.pem`)}`, `--ssl-key=${join(certs, `${cert}.key`)}`])
}
