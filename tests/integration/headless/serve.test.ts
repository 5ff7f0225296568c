import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../../src/main/sync/store/migrations'
import { BIN, cleanEnv, runCli, startServe, type RunningServe } from '../../helpers/cli'

const newDir = (): string => mkdtempSync(join(tmpdir(), 'dbt-serve-'))

/** Raw request, so tests can send any Host header (fetch forbids setting it). */
function raw(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    if (opts.body) req.write(opts.body)
    req.end()
  })
}

describe('db-taxi serve', () => {
  let s: RunningServe
  let dataDir: string
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${s.token}` })

  beforeAll(async () => {
    dataDir = newDir()
    s = await startServe(['--data-dir', dataDir], { DBT_SERVER_TOKEN: 'test-token-123456' })
  })
  afterAll(async () => {
    await s?.stop()
  })

  it('with stdout piped, prints the URL without the token and says which variable set it; never logs it', () => {
    expect(s.token).toBe('test-token-123456')
    expect(s.stdout()).toMatch(/^DB-Taxi is serving at http:\/\/127\.0\.0\.1:\d+\/\n/)
    expect(s.stdout()).toContain('\nToken from: DBT_SERVER_TOKEN\n')
    expect(s.stdout()).not.toContain('test-token-123456')
    expect(s.stderr()).not.toContain('test-token-123456')
  })

  it('answers /health without auth', async () => {
    const r = await fetch(`${s.baseUrl}/health`)
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ status: 'ok' })
  })

  it('requires the bearer token on /api', async () => {
    expect((await fetch(`${s.baseUrl}/api/status`)).status).toBe(401)
    const wrong = await fetch(`${s.baseUrl}/api/status`, { headers: { authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } })
    const rpc = await fetch(`${s.baseUrl}/api/rpc/system.status`, { method: 'POST' })
    expect(rpc.status).toBe(401)
    const ok = await fetch(`${s.baseUrl}/api/status`, { headers: auth() })
    expect(ok.status).toBe(200)
    const doc = (await ok.json()) as { store: { ok: boolean }; sync: { state: string }; counters: unknown }
    expect(doc.store.ok).toBe(true)
    expect(doc.sync.state).toBe('running')
    expect(doc.counters).toBeTruthy()
  })

  it('answers /api/sync/status with the store schema and stats', async () => {
    const r = await fetch(`${s.baseUrl}/api/sync/status`, { headers: auth() })
    expect(r.status).toBe(200)
    const doc = (await r.json()) as { ok: boolean; tables: Record<string, boolean>; stats: unknown }
    expect(doc.ok).toBe(true)
    expect(Object.values(doc.tables).every(Boolean)).toBe(true)
  })

  it('refuses foreign Host headers and foreign Origins with 403', async () => {
    const evil = await raw(s.port, { path: '/api/status', headers: { host: 'evil.example', ...auth() } })
    expect(evil.status).toBe(403)
    const evilPort = await raw(s.port, { path: '/api/status', headers: { host: `evil.example:${s.port}`, ...auth() } })
    expect(evilPort.status).toBe(403)
    const evilUi = await raw(s.port, { path: '/', headers: { host: 'evil.example' } })
    expect(evilUi.status).toBe(403)
    const local = await raw(s.port, { path: '/api/status', headers: { host: `localhost:${s.port}`, ...auth() } })
    expect(local.status).toBe(200)
    const origin = await fetch(`${s.baseUrl}/api/rpc/system.status`, {
      method: 'POST',
      headers: { ...auth(), origin: 'http://evil.example' }
    })
    expect(origin.status).toBe(403)
  })

  it('serves the contract over POST /api/rpc/<method> with statuses that follow the codes', async () => {
    const post = (method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${s.baseUrl}/api/rpc/${method}`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    const ok = await post('system.status', {})
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ ok: true, data: { mode: 'headless' } })
    const unknown = await post('no.such', {})
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    const invalid = await post('settings.update', { values: { 'sync.max_concurrency': -1 } })
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    const badJson = await fetch(`${s.baseUrl}/api/rpc/system.status`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{"broken'
    })
    expect(badJson.status).toBe(400)
    expect(await badJson.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
  })

  it('limits the body size, and the client that is still sending reads the answer', async () => {
    // The 413 used to be sent while the client was still writing, and fetch then failed with EPIPE
    // now and then instead of seeing it: repeated, with a declared length and with a chunked body.
    const big = JSON.stringify({ values: { 'logging.level': 'x'.repeat(2 * 1024 * 1024) } })
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${s.baseUrl}/api/rpc/settings.update`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: big
      })
      expect(r.status).toBe(413)
      expect(r.headers.get('connection')).toBe('close')
      expect(await r.json()).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } })
    }
    const chunk = new TextEncoder().encode('x'.repeat(256 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent++ < 12) ctrl.enqueue(chunk)
        else ctrl.close()
      }
    })
    const r = await fetch(`${s.baseUrl}/api/rpc/settings.update`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: stream,
      duplex: 'half'
    } as RequestInit)
    expect(r.status).toBe(413)
    expect(await r.json()).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } })
    // And the server goes on answering.
    expect((await fetch(`${s.baseUrl}/health`)).status).toBe(200)
  })

  it('streams events over SSE only with the token', async () => {
    expect((await fetch(`${s.baseUrl}/api/events`)).status).toBe(401)
    const ctrl = new AbortController()
    const r = await fetch(`${s.baseUrl}/api/events`, { headers: auth(), signal: ctrl.signal })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = r.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toContain(': connected')
    ctrl.abort()
  })

  it('serves the UI at / with a strict CSP', async () => {
    const r = await fetch(`${s.baseUrl}/`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/text\/html/)
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    expect(await r.text()).toMatch(/DB-Taxi/)
  })

  it('answers unknown /api routes with a NOT_FOUND envelope', async () => {
    const r = await fetch(`${s.baseUrl}/api/nothing`, { headers: auth() })
    expect(r.status).toBe(404)
    expect(await r.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })
})

describe('db-taxi serve lifecycle', () => {
  it('generates a token file with mode 0600 and reuses it; a second start migrates nothing and keeps data', async () => {
    const dataDir = newDir()
    const first = await startServe(['--data-dir', dataDir])
    const tokenFile = join(dataDir, 'server-token')
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(first.token)
    // stdout is a pipe: it names the token file and never carries the token itself.
    expect(first.stdout()).toContain(`\nToken file: ${tokenFile}\n`)
    expect(first.stdout()).not.toContain(first.token)
    expect(first.stdout()).not.toMatch(/\/#token=/)
    expect(first.stderr()).toMatch(/metadata store migrated/)
    const saved = await fetch(`${first.baseUrl}/api/rpc/settings.update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ values: { 'sync.batch_size': 1234 } })
    })
    expect(saved.status).toBe(200)
    expect(await first.stop('SIGTERM')).toBe(0)

    const second = await startServe(['--data-dir', dataDir])
    expect(second.token).toBe(first.token)
    expect(second.stderr()).not.toMatch(/metadata store migrated/)
    const view = await fetch(`${second.baseUrl}/api/rpc/settings.get`, {
      method: 'POST',
      headers: { authorization: `Bearer ${second.token}` }
    })
    const body = (await view.json()) as { data: { settings: { key: string; value: unknown; source: string }[] } }
    expect(body.data.settings.find((e) => e.key === 'sync.batch_size')).toMatchObject({ value: 1234, source: 'settings' })
    expect(await second.stop('SIGINT')).toBe(130)
    // SIGHUP (a closed terminal, a supervisor) is an orderly stop too, not a kill.
    const third = await startServe(['--data-dir', dataDir])
    const hupCode = await third.stop('SIGHUP')
    expect(hupCode, third.stderr() + third.stdout()).toBe(0)
    expect(third.stderr()).toMatch(/received SIGHUP; shutting down/)

    const db = new Database(join(dataDir, 'db-taxi.sqlite'), { readonly: true })
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()
    db.close()
    // Each migration applied once, by the first start only.
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })))
    // The generated token appears in no log line.
    const logs = readdirSync(join(dataDir, 'logs')).filter((f) => f.endsWith('.log'))
    for (const f of logs) expect(readFileSync(join(dataDir, 'logs', f), 'utf8')).not.toContain(first.token)
    // Log files are for the owner only (issue 10 item 9).
    expect(logs.length).toBeGreaterThan(0)
    for (const f of [...logs, '.audit.json']) expect([f, statSync(join(dataDir, 'logs', f)).mode & 0o777]).toEqual([f, 0o600])
  })

  it('prints the URL with its token when stdout is a terminal', async () => {
    // `script` runs serve on a pseudo-terminal, as a person starting it by hand would.
    const dataDir = newDir()
    const cmd = [process.execPath, BIN, 'serve', '--data-dir', dataDir, '--port', '0'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
    const proc = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: cleanEnv({ DBT_SERVER_TOKEN: 'tty-token-0123456789' }),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true
    })
    let out = ''
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<void>((r) => proc.once('exit', () => r()))
    try {
      await new Promise<void>((resolve, reject) => {
        proc.stdout!.on('data', () => (/serving at \S+\r?\n/.test(out) ? resolve() : undefined))
        void exited.then(() => reject(new Error(`serve under script exited early: ${out}`)))
      })
    } finally {
      // script's group; serve runs in script's own session and goes when its terminal hangs up. The
      // banner is one write, so all of it is in `out` once script has exited.
      if (proc.exitCode === null) process.kill(-proc.pid!, 'SIGTERM')
      await exited
    }
    expect(out).toMatch(/serving at http:\/\/127\.0\.0\.1:\d+\/#token=tty-token-0123456789\r?\n/)
    expect(out).toMatch(/Token from: DBT_SERVER_TOKEN/)
    expect(out).not.toContain('not a terminal')
  })

  it('exits 2 naming DBT_SERVER_PORT when it is not a number', () => {
    const r = runCli(['serve', '--data-dir', newDir()], { DBT_SERVER_PORT: 'abc' })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('DBT_SERVER_PORT')
  })

  it('exits 2 naming the flag for a bad --port', () => {
    const r = runCli(['serve', '--data-dir', newDir(), '--port', 'eighty'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--port')
  })

  it('exits 2 naming the file and line of a bad config key', () => {
    const dir = newDir()
    const file = join(dir, 'db-taxi.yaml')
    writeFileSync(file, 'server:\n  port: 8081\nsync:\n  max_concurency: 3\n')
    const r = runCli(['serve', '--data-dir', dir, '--config', file])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${file}:4`)
    expect(r.stderr).toContain('sync.max_concurency')
  })

  it('exits 2 on a usage error', () => {
    expect(runCli(['serve', '--no-such-flag']).code).toBe(2)
    expect(runCli(['frobnicate']).code).toBe(2)
    expect(runCli(['--help']).code).toBe(0)
  })

  it('warns about an unknown DBT_ variable but starts', async () => {
    const s = await startServe(['--data-dir', newDir()], { DBT_SERVR_PORT: '1' })
    expect(s.stderr()).toMatch(/unknown environment variable DBT_SERVR_PORT/)
    await s.stop()
  })

  it('refuses a store from a newer version with exit 3 and leaves it as it was', async () => {
    const dataDir = newDir()
    const s = await startServe(['--data-dir', dataDir])
    await s.stop()
    const path = join(dataDir, 'db-taxi.sqlite')
    const db = new Database(path)
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('future')
    db.close()
    const before = readFileSync(path)
    const r = runCli(['serve', '--data-dir', dataDir, '--port', '0'])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/STORE_TOO_NEW.*newer DB-Taxi/)
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('config print shows each value with its source and redacts the token', () => {
    const dir = newDir()
    const file = join(dir, 'c.yaml')
    writeFileSync(file, 'sync:\n  batch_size: 77\n')
    const r = runCli(['config', 'print', '--json', '--data-dir', dir, '--config', file], {
      DBT_SERVER_PORT: '9090',
      DBT_SERVER_TOKEN: 'print-secret-token'
    })
    expect(r.code).toBe(0)
    const rows = JSON.parse(r.stdout) as { key: string; value: unknown; source: string; origin?: string }[]
    const row = (k: string): (typeof rows)[number] | undefined => rows.find((x) => x.key === k)
    expect(row('server.port')).toMatchObject({ value: 9090, source: 'env', origin: 'DBT_SERVER_PORT' })
    expect(row('sync.batch_size')).toMatchObject({ value: 77, source: 'file', origin: `${file}:2` })
    expect(row('data_dir')).toMatchObject({ value: dir, source: 'flag' })
    expect(row('sync.retry_delay')).toMatchObject({ value: '2s', source: 'default' })
    expect(row('server.token')).toMatchObject({ value: '[redacted]', source: 'env' })
    expect(r.stdout + r.stderr).not.toContain('print-secret-token')
    const text = runCli(['config', 'print', '--data-dir', dir])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/server\.port\s+8080\s+default/)
  })
})

describe('/metrics', () => {
  it('serves Prometheus text behind the token', async () => {
    const s = await startServe(['--data-dir', newDir()], { DBT_SERVER_TOKEN: 'metrics-token-1234' })
    try {
      expect((await fetch(`${s.baseUrl}/metrics`)).status).toBe(401)
      const r = await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: 'Bearer metrics-token-1234' } })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toMatch(/text\/plain/)
      const text = await r.text()
      expect(text).toMatch(/^# TYPE dbtaxi_up gauge$/m)
      expect(text).toMatch(/^dbtaxi_up 1$/m)
      expect(text).toMatch(/^dbtaxi_jobs\{status="failed"\} 0$/m)
      expect(text).toMatch(/^dbtaxi_rows_written_total 0$/m)
    } finally {
      await s.stop()
    }
  })
})
