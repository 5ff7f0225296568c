import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { Job } from '../../../src/shared/contract'
import { BIN, cleanEnv } from '../../helpers/cli'
import type { ServerAddress } from '../../helpers/mariadb'

/** An in-process sync system (what `db-taxi serve` and the desktop app host), driven through the dispatcher. */
export interface TestSystem {
  system: SyncSystem
  dataDir: string
  call<T>(method: string, input: unknown): Promise<T>
  /** Like call, but answers the error envelope instead of throwing. */
  attempt(method: string, input: unknown): ReturnType<Dispatch>
  connection(name: string, addr: ServerAddress, extra?: Record<string, unknown>): Promise<string>
  stop(): Promise<void>
}

/** A system on a fresh data dir, or on `dataDir` (a restart of an earlier one). */
export async function startSystem(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'dbt-jobs-'))): Promise<TestSystem> {
  const system = createSyncSystem({ layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir, ...env } }), mode: 'headless', consoleLog: false })
  await system.start()
  const dispatch = createDispatcher(createHandlers(system), system.logger)
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const r = await dispatch(method, input)
    if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { code: r.error.code })
    return r.data as T
  }
  return {
    system,
    dataDir,
    call,
    attempt: (method, input) => dispatch(method, input),
    connection: async (name, addr, extra = {}) =>
      (await call<{ id: string }>('connections.create', { name, host: addr.host, port: addr.port, user: addr.user, password: addr.password, ...extra })).id,
    stop: () => system.stop(10_000)
  }
}

/**
 * Resolves once `jobId` has committed at least `n` chunks of its first table (read from the store,
 * which records every chunk; progress events are throttled and may skip a short copy entirely).
 * Rejects with the job's state if it ends first or after `ms`.
 */
export async function whenChunks(system: SyncSystem, jobId: string, n: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    const job = system.jobs.get(jobId)
    if ((job.tables[0]?.chunksDone ?? 0) >= n && job.status === 'running') return
    if (!['queued', 'running'].includes(job.status) || Date.now() > until) throw new Error(`job never reached ${n} chunk(s) while running: ${JSON.stringify(job)}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** A job's log rows as stored (jobs.logs): time, level, table and message. */
export interface LogRow {
  id: number
  ts: string
  level: string
  table: string | null
  message: string
}

export async function logRows(t: TestSystem, jobId: string): Promise<LogRow[]> {
  return t.call<LogRow[]>('jobs.logs', { id: jobId, limit: 500 })
}

/**
 * Resolves with the job once `pred` holds for its stored state (polled from the store); rejects
 * with that state if the job ends first without it, or after `ms`.
 */
export async function whenJob(system: SyncSystem, jobId: string, pred: (job: Job) => boolean, what: string, ms = 30_000): Promise<Job> {
  const until = Date.now() + ms
  for (;;) {
    const job = system.jobs.get(jobId)
    if (pred(job)) return job
    if (!['queued', 'running'].includes(job.status) || Date.now() > until) throw new Error(`job never reached "${what}": ${JSON.stringify(job)}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Waits for the job to end; a hang fails with the job's state and log instead of a bare timeout. */
export async function settledJob(t: TestSystem, jobId: string, ms = 90_000): Promise<Job> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))
  try {
    const r = await Promise.race([t.system.jobs.wait(jobId), timeout])
    if (r === 'timeout') {
      const logs = (await logRows(t, jobId)).map((l) => `${l.ts} ${l.level} ${l.message}`)
      throw new Error(`job did not end in ${ms} ms: ${JSON.stringify(t.system.jobs.get(jobId))}\n${logs.join('\n')}`)
    }
    return r
  } finally {
    clearTimeout(timer)
  }
}

/** A `db-taxi` process started without waiting for it (so a test can act while it runs). */
export interface SpawnedCli {
  proc: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the exit code once the process has exited and its output is read. */
  exited: Promise<number | null>
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): SpawnedCli {
  const proc = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)))
  return { proc, stdout: () => out, stderr: () => err, exited }
}
