import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { localReferences } from '../../../src/main/sync/mappings/references'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { ConfigDocument, ConnectionInfo, Envelope, ImportReport, MappingsExport, SyncConfig } from '../../../src/shared/contract'

/**
 * The mapping manager's document round trips, against real (temp) metadata stores; no MySQL needed
 * (the validation report against live schemas is in tests/integration/syncs/mappings-validate).
 */

interface Store {
  system: SyncSystem
  dispatch: Dispatch
  dir: string
}
const stores: Store[] = []
function openStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-mappings-'))
  const system = createSyncSystem({ layers: loadBootLayers({ env: { DBT_DATA_DIR: dir } }), mode: 'headless', consoleLog: false })
  const s = { system, dispatch: createDispatcher(createHandlers(system), system.logger), dir }
  stores.push(s)
  return s
}
afterEach(async () => {
  for (const s of stores.splice(0)) {
    await s.system.stop()
    rmSync(s.dir, { recursive: true, force: true })
  }
})

async function ok<T>(s: Store, method: string, input: unknown): Promise<T> {
  const r = (await s.dispatch(method, input)) as Envelope<T>
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message} ${JSON.stringify(r.error.details)}`)
  return r.data
}

const SECRETS = {
  password: 'pw-Alpha-1!',
  tlsKey: '-----BEGIN PRIVATE KEY-----\nMIIEvQ-client-key\n-----END PRIVATE KEY-----\n',
  sshPassword: 'ssh-pw-Bravo',
  sshKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-ssh-key\n-----END OPENSSH PRIVATE KEY-----\n',
  sshPassphrase: 'ssh-passphrase-Charlie',
  other: 'pw-Delta-2?'
}
const ALL_SECRET_VALUES = Object.values(SECRETS)
const CA = '-----BEGIN CERTIFICATE-----\nMIIB-ca\n-----END CERTIFICATE-----\n'
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB-client\n-----END CERTIFICATE-----\n'

/** A store with every kind of connection and sync. */
async function fill(s: Store): Promise<void> {
  await ok(s, 'connections.create', {
    name: 'prod eu',
    host: 'db1.internal',
    port: 3307,
    user: 'reader',
    password: SECRETS.password,
    database: 'shop',
    readOnly: true,
    tls: { mode: 'verify-identity', ca: CA, cert: CERT, key: SECRETS.tlsKey },
    connectTimeoutMs: 5000,
    poolSize: 8
  })
  await ok(s, 'connections.create', {
    name: 'bastion',
    host: '127.0.0.1',
    user: 'app',
    password: SECRETS.other,
    ssh: { host: 'jump.internal', port: 2222, user: 'tunnel', privateKey: SECRETS.sshKey, passphrase: SECRETS.sshPassphrase, hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) }
  })
  await ok(s, 'connections.create', { name: 'ssh-pw', host: '127.0.0.2', user: 'root', ssh: { host: 'jump2', user: 'u', password: SECRETS.sshPassword } })
  await ok(s, 'connections.create', { name: 'dev', host: 'localhost', user: 'root' })
  const id = (name: string): string => s.system.connections.findByName(name)!.id
  await ok(s, 'syncs.create', {
    name: 'nightly',
    sourceConnectionId: id('prod eu'),
    targetConnectionId: id('dev'),
    sourceDatabase: 'shop',
    targetDatabase: 'shop_dev',
    tables: [
      { source: 'orders', target: 'orders_copy', where: "created_at >= '2026-01-01' AND status <> 'x'", excludeColumns: ['card_no', 'notes'] },
      { source: 'events', mode: 'incremental', cursor: ['updated_at', 'id'] },
      { source: 'customers', mode: 'diff' }
    ],
    options: { chunkRows: 5000, parallelism: 3, onExists: 'truncate', maxDeletes: '5%', verifyScope: 'changed', objects: { views: true } },
    schedule: { kind: 'cron', cron: '0 2 * * *', timezone: 'Europe/Berlin', catchUp: true }
  })
  await ok(s, 'syncs.create', {
    name: 'all-tables',
    sourceConnectionId: id('bastion'),
    targetConnectionId: id('dev'),
    sourceDatabase: 'app',
    targetDatabase: 'app_copy',
    allTables: { include: ['wp_*'], exclude: ['wp_log*'] },
    tables: [{ source: 'wp_users', excludeColumns: ['user_pass'] }],
    schedule: { kind: 'interval', every: '15m', enabled: false }
  })
}

/** What a store holds, by value: no ids, timestamps or health; connection ids as names; secrets opened. */
function snapshot(s: Store): unknown {
  const names = new Map(s.system.connections.list().map((c) => [c.id, c.name]))
  return {
    connections: s.system.connections.list().map((c) => {
      const { id: _i, createdAt: _c, updatedAt: _u, health: _h, ...rest } = c
      const r = s.system.connections.resolve(c.id)
      return { ...rest, secrets: [r.password, r.tls.key, r.ssh?.password ?? null, r.ssh?.privateKey ?? null, r.ssh?.passphrase ?? null] }
    }),
    syncs: s.system.syncs.list().map((x: SyncConfig) => {
      const { id: _i, createdAt: _c, updatedAt: _u, lastJob: _l, schedule, sourceConnectionId, targetConnectionId, ...rest } = x
      const sched = schedule ? { ...schedule, nextRunAt: undefined, lastRunAt: undefined } : null
      return { ...rest, schedule: sched, source: names.get(sourceConnectionId), target: names.get(targetConnectionId) }
    })
  }
}

function envFrom(e: MappingsExport): Record<string, string> {
  // The values an operator would set for the generated variable names.
  const byField: Record<string, Record<string, string>> = {
    'prod eu': { password: SECRETS.password, 'tls.key': SECRETS.tlsKey },
    bastion: { password: SECRETS.other, 'ssh.privateKey': SECRETS.sshKey, 'ssh.passphrase': SECRETS.sshPassphrase },
    'ssh-pw': { 'ssh.password': SECRETS.sshPassword }
  }
  return Object.fromEntries(e.references.map((r) => [r.reference.slice(2, -1), byField[r.connection]![r.field]!]))
}

describe('export', () => {
  it('writes every connection and sync, secrets as variable references, never in clear', async () => {
    const a = openStore()
    await fill(a)
    const e = await ok<MappingsExport>(a, 'mappings.export', {})
    expect(e).toMatchObject({ format: 'yaml', connections: 4, syncs: 2 })
    for (const v of ALL_SECRET_VALUES) expect(e.document).not.toContain(v.trim().split('\n')[1] ?? v)
    for (const v of ALL_SECRET_VALUES) expect(e.document).not.toContain(v)
    const doc = parse(e.document) as ConfigDocument
    expect(doc.version).toBe(1)
    expect(doc.connections!.find((c) => c.name === 'prod eu')).toMatchObject({
      password: '${DBT_PW_PROD_EU}',
      tls: { mode: 'verify-identity', ca: CA, cert: CERT, key: '${DBT_TLS_KEY_PROD_EU}' },
      readOnly: true
    })
    expect(doc.connections!.find((c) => c.name === 'dev')).toEqual({ name: 'dev', host: 'localhost', port: 3306, user: 'root' })
    expect(doc.syncs!.find((x) => x.name === 'nightly')).toMatchObject({ source: { connection: 'prod eu', database: 'shop' }, target: { connection: 'dev', database: 'shop_dev' } })
    expect(e.references.map((r) => r.reference).sort()).toEqual(
      ['${DBT_PW_PROD_EU}', '${DBT_TLS_KEY_PROD_EU}', '${DBT_PW_BASTION}', '${DBT_SSH_KEY_BASTION}', '${DBT_SSH_PASSPHRASE_BASTION}', '${DBT_SSH_PW_SSH_PW}'].sort()
    )
    const json = await ok<MappingsExport>(a, 'mappings.export', { format: 'json', secrets: 'omit' })
    const parsed = JSON.parse(json.document) as ConfigDocument
    expect(json.references).toEqual([])
    expect(JSON.stringify(parsed)).not.toMatch(/\$\{|password|passphrase|privateKey/)
    for (const v of ALL_SECRET_VALUES) expect(json.document).not.toContain(v)
  })

  it('exports chosen syncs with the connections they use, and refuses unknown names', async () => {
    const a = openStore()
    await fill(a)
    const e = await ok<MappingsExport>(a, 'mappings.export', { syncs: ['NIGHTLY'] })
    const doc = parse(e.document) as ConfigDocument
    expect(doc.syncs!.map((s) => s.name)).toEqual(['nightly'])
    expect(doc.connections!.map((c) => c.name).sort()).toEqual(['dev', 'prod eu'])
    const c = await ok<MappingsExport>(a, 'mappings.export', { connections: ['dev'] })
    expect((parse(c.document) as ConfigDocument).syncs).toEqual([])
    const r = await a.dispatch('mappings.export', { syncs: ['nope'], connections: ['dev', 'gone'] })
    expect(r.ok ? null : r.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('sync "nope"') })
    expect(r.ok ? '' : r.error.message).toContain('connection "gone"')
    const bad = await a.dispatch('mappings.export', { secrets: 'seal' })
    expect(bad.ok ? null : bad.error.code).toBe('VALIDATION')
  })
})

describe('import', () => {
  it('an export imported into an empty store gives equal configs, by value (env references)', async () => {
    const a = openStore()
    await fill(a)
    const e = await ok<MappingsExport>(a, 'mappings.export', {})
    const b = openStore()
    const preview = await ok<ImportReport>(b, 'mappings.import', { document: e.document, references: envFrom(e), dryRun: true })
    expect(preview).toMatchObject({ ok: true, applied: false, summary: { create: 6, update: 0, unchanged: 0, skip: 0, delete: 0 } })
    expect(b.system.connections.list()).toEqual([])
    expect(b.system.syncs.list()).toEqual([])
    const done = await ok<ImportReport>(b, 'mappings.import', { document: e.document, references: envFrom(e) })
    expect(done).toMatchObject({ ok: true, applied: true, summary: { create: 6 } })
    expect(snapshot(b)).toEqual(snapshot(a))
    // The schedules are live in the new store.
    expect(b.system.syncs.findByName('nightly')!.schedule).toMatchObject({ kind: 'cron', cron: '0 2 * * *', timezone: 'Europe/Berlin', catchUp: true, enabled: true })
    expect(b.system.syncs.findByName('nightly')!.schedule!.nextRunAt).not.toBeNull()
    // And once more: nothing to do.
    const again = await ok<ImportReport>(b, 'mappings.import', { document: e.document, references: envFrom(e) })
    expect(again.summary).toEqual({ create: 0, update: 0, unchanged: 6, skip: 0, delete: 0 })
  })

  it('sealed: a passphrase round trip carries every secret; a wrong one fails cleanly with nothing written', async () => {
    const a = openStore()
    await fill(a)
    const e = await ok<MappingsExport>(a, 'mappings.export', { secrets: 'seal', passphrase: 'correct horse battery staple' })
    for (const v of ALL_SECRET_VALUES) expect(e.document).not.toContain(v)
    expect(e.document).toContain('${sealed}')
    const doc = parse(e.document) as ConfigDocument
    expect(doc.sealed).toMatchObject({ cipher: 'aes-256-gcm', kdf: { name: 'scrypt', N: 32768, r: 8, p: 1 } })

    const b = openStore()
    const wrong = await ok<ImportReport>(b, 'mappings.import', { document: e.document, passphrase: 'correct horse battery stapl' })
    expect(wrong).toMatchObject({ ok: false, applied: false, problems: [{ code: 'PASSPHRASE_INVALID', path: 'sealed' }] })
    expect(wrong.problems[0]!.line).toBeGreaterThan(0)
    const none = await ok<ImportReport>(b, 'mappings.import', { document: e.document })
    expect(none.problems[0]).toMatchObject({ code: 'PASSPHRASE_INVALID' })
    expect(b.system.connections.list()).toEqual([])

    // A changed byte of the sealed data is refused the same way.
    const tampered = e.document.replace(/(data: )(\S)/, (_m, p: string, c: string) => p + (c === 'A' ? 'B' : 'A'))
    const t = await ok<ImportReport>(b, 'mappings.import', { document: tampered, passphrase: 'correct horse battery staple' })
    expect(t.problems[0]).toMatchObject({ code: 'PASSPHRASE_INVALID' })

    const done = await ok<ImportReport>(b, 'mappings.import', { document: e.document, passphrase: 'correct horse battery staple' })
    expect(done.ok).toBe(true)
    expect(snapshot(b)).toEqual(snapshot(a))
  })

  it('a hand-made sealed block with a huge scrypt cost is refused before any key is derived', async () => {
    const a = openStore()
    await fill(a)
    const e = await ok<MappingsExport>(a, 'mappings.export', { secrets: 'seal', passphrase: 'correct horse battery staple' })
    const b = openStore()
    const huge = e.document.replace(/N: 32768/, 'N: 1048576').replace(/r: 8/, 'r: 32')
    const started = Date.now()
    const r = await ok<ImportReport>(b, 'mappings.import', { document: huge, passphrase: 'correct horse battery staple' })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(r.ok).toBe(false)
    expect(r.problems.map((p) => p.path)).toEqual(['sealed.kdf.N', 'sealed.kdf.r'])
    expect(b.system.connections.list()).toEqual([])
  })

  it('a secret the document leaves out keeps what the store has; a missing reference is a problem naming its field', async () => {
    const a = openStore()
    await fill(a)
    const omit = await ok<MappingsExport>(a, 'mappings.export', { secrets: 'omit' })
    expect(await ok<ImportReport>(a, 'mappings.apply', { document: omit.document })).toMatchObject({ ok: true, summary: { unchanged: 6 } })
    expect(a.system.connections.resolve(a.system.connections.findByName('prod eu')!.id).password).toBe(SECRETS.password)

    const e = await ok<MappingsExport>(a, 'mappings.export', {})
    const b = openStore()
    const r = await ok<ImportReport>(b, 'mappings.import', { document: e.document, references: { DBT_PW_PROD_EU: 'x' } })
    expect(r.ok).toBe(false)
    const prod = (parse(e.document) as ConfigDocument).connections!.findIndex((c) => c.name === 'prod eu')
    expect(r.problems.map((p) => p.path)).toContain(`connections[${prod}].tls.key`)
    expect(r.problems.map((p) => p.path)).not.toContain(`connections[${prod}].password`)
    expect(r.problems.find((p) => p.path === `connections[${prod}].tls.key`)!.message).toContain('DBT_TLS_KEY_PROD_EU')
    expect(r.references).toContain('DBT_SSH_KEY_BASTION')
    expect(b.system.connections.list()).toEqual([])
  })

  it('each conflict policy does what it says: skip, overwrite, rename (and the syncs follow a renamed connection)', async () => {
    const a = openStore()
    await fill(a)
    const e = await ok<MappingsExport>(a, 'mappings.export', { secrets: 'omit' })
    const b = openStore()
    await ok(b, 'connections.create', { name: 'DEV', host: 'other-host', user: 'someone' })
    const devId = b.system.connections.findByName('dev')!.id

    const skip = await ok<ImportReport>(b, 'mappings.import', { document: e.document, dryRun: true })
    expect(skip.changes.find((c) => c.name === 'dev')).toMatchObject({ action: 'skip', reason: expect.stringContaining('"DEV" exists') })

    const over = await ok<ImportReport>(b, 'mappings.import', { document: e.document, conflicts: { connections: { dev: 'overwrite' } }, dryRun: true })
    expect(over.changes.find((c) => c.name === 'dev')).toMatchObject({ action: 'update', fields: ['host', 'name', 'user'] })

    const renamed = await ok<ImportReport>(b, 'mappings.import', { document: e.document, onConflict: 'rename' })
    expect(renamed.changes.find((c) => c.name === 'dev')).toMatchObject({ action: 'create', as: 'dev (2)' })
    expect(b.system.connections.get(devId)).toMatchObject({ name: 'DEV', host: 'other-host' })
    const copy = b.system.connections.findByName('dev (2)')!
    expect(copy.host).toBe('localhost')
    expect(b.system.syncs.findByName('nightly')!.targetConnectionId).toBe(copy.id)

    // overwrite now, with the store as it is: DEV takes the document's settings, under its own id.
    const c = await ok<ImportReport>(b, 'mappings.import', { document: e.document, onConflict: 'overwrite' })
    expect(c.ok).toBe(true)
    expect(b.system.connections.get(devId)).toMatchObject({ name: 'dev', host: 'localhost', user: 'root' })
    // A policy for a name the document does not have is a typo, not a silent fallback.
    const typo = await ok<ImportReport>(b, 'mappings.import', { document: e.document, conflicts: { syncs: { nigthly: 'rename' } } })
    expect(typo.problems).toEqual([expect.objectContaining({ message: expect.stringContaining('sync "nigthly", which the document does not have') })])
    // a sync renamed on a second import with rename
    const twice = await ok<ImportReport>(b, 'mappings.import', { document: e.document, conflicts: { syncs: { nightly: 'rename' } }, onConflict: 'skip' })
    expect(twice.changes.find((x) => x.name === 'nightly')).toMatchObject({ action: 'unchanged' })
  })

  it('a malformed document changes nothing, and each problem names its line and field', async () => {
    const b = openStore()
    await ok(b, 'connections.create', { name: 'keep', host: 'h', user: 'u' })
    const before = snapshot(b)
    const cases: { doc: string; want: { path?: string; line?: number; message: RegExp }[] }[] = [
      { doc: 'version: 1\nconnections:\n  - name: a\n    host: [oops\n', want: [{ message: /YAML syntax/ }] },
      { doc: 'version: 1\nconnections:\n  - name: a\n    name: b\n    host: h\n    user: u\n', want: [{ line: 4, message: /given twice/ }] },
      { doc: 'version: 1\nconnections:\n  - name: a\n    host: h\n    user: u\n    colour: blue\n', want: [{ path: 'connections[0].colour', line: 6, message: /unknown field "colour"/ }] },
      { doc: 'version: 1\nconnections:\n  - name: a\n    host: h\n    user: u\n    port: "3306"\n', want: [{ path: 'connections[0].port', line: 6, message: /number/ }] },
      { doc: 'version: 2\n', want: [{ path: 'version', line: 1, message: /version 1/ }] },
      { doc: 'version: 1\nconnections:\n  - name: a\n    hots: h\n    user: u\n', want: [{ path: 'connections[0].hots', line: 4, message: /did you mean "host"/ }, { path: 'connections[0].host', message: /^required \(string\)$/ }] },
      { doc: 'version: 1\nconnections:\n  - name: a\n    host: h\n    user: u\n    password: hunter2\n', want: [{ path: 'connections[0].password', line: 6, message: /never written in clear/ }] },
      {
        doc: 'version: 1\nsyncs:\n  - name: s\n    source: { connection: nowhere, database: a }\n    target: { connection: keep, database: b }\n    tables: [{ source: t }]\n',
        want: [{ path: 'syncs[0].source.connection', line: 4, message: /no connection named "nowhere"/ }]
      },
      {
        doc: 'version: 1\nconnections:\n  - { name: dup, host: h, user: u }\n  - { name: DUP, host: h, user: u }\n',
        want: [{ path: 'connections[1].name', line: 4, message: /used twice/ }]
      },
      {
        doc: 'version: 1\nsyncs:\n  - name: s\n    source: { connection: keep, database: a }\n    target: { connection: keep, database: b }\n    tables: [{ source: t, where: "SLEEP(5) = 0" }]\n',
        want: [{ path: 'syncs[0].tables[0].where', line: 6, message: /SLEEP/i }]
      },
      {
        doc: 'version: 1\nsyncs:\n  - name: s\n    source: { connection: keep, database: a }\n    target: { connection: keep, database: b }\n    tables: [{ source: t }]\n    schedule: { kind: cron, cron: "61 * * * *" }\n',
        want: [{ path: 'syncs[0].schedule', line: 7, message: /cron/i }]
      },
      { doc: 'version: 1\nconnections: !foo\n  - { name: a, host: h, user: u }\n', want: [{ line: 2, message: /Unresolved tag: !foo/ }] },
      { doc: '', want: [{ message: /empty/ }] },
      { doc: '- just\n- a list\n', want: [{ message: /object/ }] }
    ]
    for (const c of cases) {
      const r = await b.dispatch('mappings.import', { document: c.doc })
      const report = r.ok ? r.data : null
      if (!report) {
        // An empty document is refused by the input schema already.
        expect(r.ok ? '' : r.error.message, c.doc).toMatch(c.want[0]!.message)
        continue
      }
      expect(report.ok, c.doc).toBe(false)
      expect(report.applied).toBe(false)
      for (const w of c.want) {
        expect(report.problems, c.doc).toContainEqual(expect.objectContaining({ ...(w.path ? { path: w.path } : {}), ...(w.line ? { line: w.line } : {}), message: expect.stringMatching(w.message) }))
      }
      const applied = await b.dispatch('mappings.apply', { document: c.doc })
      expect(applied.ok ? applied.data.applied : false).toBe(false)
      expect(snapshot(b), c.doc).toEqual(before)
    }
  })

  it('reads JSON documents too, with line numbers', async () => {
    const b = openStore()
    const r = await ok<ImportReport>(b, 'mappings.import', { document: '{\n  "version": 1,\n  "connections": [\n    { "name": "a", "host": "h", "user": "u", "tls": { "mode": "sometimes" } }\n  ]\n}\n' })
    expect(r.problems).toEqual([expect.objectContaining({ path: 'connections[0].tls.mode', line: 4 })])
  })

  it('a problem in the last item leaves the first ones unwritten too (one transaction)', async () => {
    const b = openStore()
    await ok(b, 'connections.create', { name: 'ro', host: 'h', user: 'u', readOnly: true })
    const doc = [
      'version: 1',
      'connections:',
      '  - { name: fresh, host: h2, user: u }',
      'syncs:',
      '  - name: fine',
      '    source: { connection: ro, database: a }',
      '    target: { connection: fresh, database: b }',
      '    tables: [{ source: t }]',
      '  - name: into-read-only',
      '    source: { connection: fresh, database: a }',
      '    target: { connection: ro, database: b }',
      '    tables: [{ source: t }]'
    ].join('\n')
    const r = await ok<ImportReport>(b, 'mappings.import', { document: doc })
    expect(r).toMatchObject({ ok: false, applied: false, problems: [{ code: 'READ_ONLY_TARGET', path: 'syncs[1]', line: 9 }] })
    expect(b.system.connections.list().map((c) => c.name)).toEqual(['ro'])
    expect(b.system.syncs.list()).toEqual([])
  })
})

describe('apply (configuration as code)', () => {
  it('makes the store match the file; twice changes nothing; --prune deletes what the file no longer names', async () => {
    const a = openStore()
    await fill(a)
    const e = await ok<MappingsExport>(a, 'mappings.export', {})
    const b = openStore()
    await ok(b, 'connections.create', { name: 'stray', host: 'h', user: 'u' })
    const first = await ok<ImportReport>(b, 'mappings.apply', { document: e.document, references: envFrom(e) })
    expect(first.summary).toEqual({ create: 6, update: 0, unchanged: 0, skip: 0, delete: 0 })
    const second = await ok<ImportReport>(b, 'mappings.apply', { document: e.document, references: envFrom(e) })
    expect(second.summary).toEqual({ create: 0, update: 0, unchanged: 6, skip: 0, delete: 0 })

    // An edit of the file: a port, a filter, a schedule removed, a secret changed.
    const doc = parse(e.document) as ConfigDocument
    doc.connections!.find((c) => c.name === 'dev')!.port = 3308
    doc.syncs!.find((s) => s.name === 'nightly')!.tables![0]!.where = 'id > 10'
    delete doc.syncs!.find((s) => s.name === 'all-tables')!.schedule
    const refs = { ...envFrom(e), DBT_PW_BASTION: 'a-new-password' }
    const edited = JSON.stringify(doc)
    const third = await ok<ImportReport>(b, 'mappings.apply', { document: edited, references: refs })
    expect(third.changes.filter((c) => c.action === 'update')).toEqual([
      { kind: 'connection', name: 'bastion', action: 'update', fields: ['password'], diff: [{ field: 'password', from: '(set)', to: '(a new value)' }] },
      { kind: 'connection', name: 'dev', action: 'update', fields: ['port'], diff: [{ field: 'port', from: '3306', to: '3308' }] },
      {
        kind: 'sync',
        name: 'all-tables',
        action: 'update',
        fields: ['schedule'],
        diff: [{ field: 'schedule', from: '{"catchUp":false,"enabled":false,"every":"15m","kind":"interval"}', to: '(none)' }]
      },
      {
        kind: 'sync',
        name: 'nightly',
        action: 'update',
        fields: ['tables'],
        // One mapping changed: shown by its source table, not as the whole list.
        diff: [
          {
            field: 'tables[orders]',
            from: `{"excludeColumns":["card_no","notes"],"source":"orders","target":"orders_copy","where":"created_at >= '2026-01-01' AND status <> 'x'"}`,
            to: '{"excludeColumns":["card_no","notes"],"source":"orders","target":"orders_copy","where":"id > 10"}'
          }
        ]
      }
    ])
    // No secret value in a diff, ever.
    expect(JSON.stringify(third)).not.toContain('a-new-password')
    expect(b.system.connections.resolve(b.system.connections.findByName('bastion')!.id).password).toBe('a-new-password')
    expect(b.system.syncs.findByName('all-tables')!.schedule).toBeNull()
    expect(b.system.connections.findByName('stray')).toBeDefined()

    // Prune: the stray connection, and a sync the file dropped.
    doc.syncs = doc.syncs!.filter((s) => s.name !== 'all-tables')
    const dry = await ok<ImportReport>(b, 'mappings.apply', { document: JSON.stringify(doc), references: refs, prune: true, dryRun: true })
    expect(dry.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind}:${c.name}`).sort()).toEqual(['connection:stray', 'sync:all-tables'])
    expect(b.system.syncs.findByName('all-tables')).toBeDefined()
    // A sync with a running job is not pruned from under it: the whole apply stops, nothing changes.
    const syncId = b.system.syncs.findByName('all-tables')!.id
    b.system.db.prepare("INSERT INTO jobs (id, sync_id, status, created_at) VALUES ('j-running', ?, 'running', 0)").run(syncId)
    const busy = await ok<ImportReport>(b, 'mappings.apply', { document: JSON.stringify(doc), references: refs, prune: true })
    expect(busy).toMatchObject({ ok: false, applied: false, problems: [{ code: 'IN_USE', path: '(prune)' }] })
    expect(b.system.connections.findByName('stray')).toBeDefined()
    b.system.db.prepare("UPDATE jobs SET status = 'succeeded' WHERE id = 'j-running'").run()
    const pruned = await ok<ImportReport>(b, 'mappings.apply', { document: JSON.stringify(doc), references: refs, prune: true })
    expect(pruned.summary).toMatchObject({ delete: 2, unchanged: 5 })
    expect(b.system.syncs.findByName('all-tables')).toBeUndefined()
    expect(b.system.connections.findByName('stray')).toBeUndefined()
  })

  it('reads ${NAME} from the environment and ${file:PATH} from disk when run on a data dir', async () => {
    const b = openStore()
    const keyFile = join(b.dir, 'id_test')
    writeFileSync(keyFile, SECRETS.sshKey)
    const pwFile = join(b.dir, 'pw.txt')
    writeFileSync(pwFile, 'from-a-file\n')
    const doc = [
      'version: 1',
      'connections:',
      '  - name: a',
      '    host: h',
      '    user: u',
      '    password: ${DBT_TEST_PW}',
      `    ssh: { host: j, user: t, privateKey: "\${file:${keyFile}}" }`,
      '  - name: b',
      '    host: h',
      '    user: u',
      `    password: "\${file:${pwFile}}"`
    ].join('\n')
    const r = await b.system.mappings.apply({ document: doc }, localReferences({ DBT_TEST_PW: 'from-env' }))
    expect(r.ok).toBe(true)
    const a = b.system.connections.resolve(b.system.connections.findByName('a')!.id)
    expect(a.password).toBe('from-env')
    expect(a.ssh!.privateKey).toBe(SECRETS.sshKey)
    expect(b.system.connections.resolve(b.system.connections.findByName('b')!.id).password).toBe('from-a-file')
    const missing = await b.system.mappings.apply({ document: doc.replace(keyFile, join(b.dir, 'nope')) }, localReferences({}))
    expect(missing.problems.map((p) => p.path).sort()).toEqual(['connections[0].password', 'connections[0].ssh.privateKey'])
    expect(missing.problems.find((p) => p.path === 'connections[0].ssh.privateKey')!.message).toContain('ENOENT')
  })

  it('through the API, references come from the call only, never the server environment', async () => {
    const b = openStore()
    process.env.DBT_MAPPINGS_TEST_SECRET = 'server-side-secret'
    try {
      const doc = 'version: 1\nconnections:\n  - { name: a, host: h, user: u, password: "${DBT_MAPPINGS_TEST_SECRET}" }\n'
      const r = await ok<ImportReport>(b, 'mappings.apply', { document: doc })
      expect(r.ok).toBe(false)
      expect(r.problems[0]).toMatchObject({ path: 'connections[0].password', message: expect.stringContaining('no value was given') })
      const f = await ok<ImportReport>(b, 'mappings.apply', { document: 'version: 1\nconnections:\n  - { name: a, host: h, user: u, password: "${file:/etc/hostname}" }\n' })
      expect(f.ok).toBe(false)
    } finally {
      delete process.env.DBT_MAPPINGS_TEST_SECRET
    }
  })
})

describe('secrets never leak', () => {
  it('exports, reports and the log carry no secret value', async () => {
    const a = openStore()
    await fill(a)
    const texts: string[] = []
    for (const secrets of ['env', 'omit'] as const) texts.push((await ok<MappingsExport>(a, 'mappings.export', { secrets })).document)
    texts.push((await ok<MappingsExport>(a, 'mappings.export', { secrets: 'seal', passphrase: 'a long enough passphrase' })).document)
    const e = await ok<MappingsExport>(a, 'mappings.export', {})
    const b = openStore()
    texts.push(JSON.stringify(await ok<ImportReport>(b, 'mappings.import', { document: e.document, references: envFrom(e), dryRun: true })))
    texts.push(JSON.stringify(await ok<ImportReport>(b, 'mappings.import', { document: e.document, references: envFrom(e) })))
    texts.push(JSON.stringify(await ok<ConnectionInfo[]>(b, 'connections.list', {})))
    for (const t of texts) for (const v of ALL_SECRET_VALUES) expect(t).not.toContain(v)
    for (const t of texts) expect(t).not.toContain('a long enough passphrase')
  })
})

describe('the JSON Schema for editors', () => {
  it('docs/config-document.schema.json is the zod schema as it is now (npm run docs:schema)', async () => {
    const { documentJsonSchema } = await import('../../../src/shared/config-document-json-schema')
    const { readFileSync } = await import('node:fs')
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'config-document.schema.json'), 'utf8')) as unknown
    expect(committed).toEqual(documentJsonSchema())
    // It knows the secret reference rule and refuses unknown fields, as the import does.
    const text = JSON.stringify(committed)
    expect(text).toContain('sealed|file:')
    expect(text).toContain('"additionalProperties":false')
  })
})

describe('hostile and careless documents (found by attacking it)', () => {
  it('rename makes room for its suffix in a name of 100 characters, and never loops', async () => {
    const b = openStore()
    const long = 'n'.repeat(100)
    const doc = `version: 1\nconnections:\n  - { name: ${long}, host: h, user: u }\n`
    expect((await ok<ImportReport>(b, 'mappings.import', { document: doc })).ok).toBe(true)
    const twice = await ok<ImportReport>(b, 'mappings.import', { document: doc.replace('host: h', 'host: h2'), onConflict: 'rename' })
    expect(twice.changes[0]).toMatchObject({ action: 'create', as: `${'n'.repeat(96)} (2)` })
    const thrice = await ok<ImportReport>(b, 'mappings.import', { document: doc.replace('host: h', 'host: h3'), onConflict: 'rename' })
    expect(thrice.changes[0]!.as).toBe(`${'n'.repeat(96)} (3)`)
    expect(b.system.connections.list().map((c) => c.name.length)).toEqual([100, 100, 100])
  })

  it('references are own keys holding strings: ${constructor} finds nothing, in the call or the environment', async () => {
    const b = openStore()
    const doc = 'version: 1\nconnections:\n  - { name: a, host: h, user: u, password: "${constructor}" }\n  - { name: b, host: h, user: u, password: "${__proto__}" }\n'
    const api = await ok<ImportReport>(b, 'mappings.import', { document: doc, references: { x: 'y' } })
    expect(api.problems.map((p) => p.path)).toEqual(['connections[0].password', 'connections[1].password'])
    const local = await b.system.mappings.import({ document: doc }, localReferences({}))
    expect(local.problems.map((p) => p.path)).toEqual(['connections[0].password', 'connections[1].password'])
    expect(b.system.connections.list()).toEqual([])
  })

  it('an empty value is no secret: applying it twice changes nothing the second time', async () => {
    const b = openStore()
    const doc = 'version: 1\nconnections:\n  - { name: a, host: h, user: u, password: "${DBT_PW_A}" }\n'
    expect((await b.system.mappings.apply({ document: doc }, localReferences({ DBT_PW_A: '' }))).summary.create).toBe(1)
    expect((await b.system.mappings.apply({ document: doc }, localReferences({ DBT_PW_A: '' }))).summary).toMatchObject({ unchanged: 1, update: 0 })
  })

  it("variable names never move between connections whose names read alike", async () => {
    const b = openStore()
    await ok(b, 'connections.create', { name: 'prod-eu', host: 'h', user: 'u', password: 'p1' })
    const alone = await ok<MappingsExport>(b, 'mappings.export', {})
    expect(alone.references.map((r) => r.reference)).toEqual(['${DBT_PW_PROD_EU}'])
    await ok(b, 'connections.create', { name: 'prod eu', host: 'h2', user: 'u', password: 'p2' })
    await ok(b, 'connections.create', { name: 'prod!eu', host: 'h3', user: 'u', password: 'p3' })
    const all = await ok<MappingsExport>(b, 'mappings.export', {})
    const byName = Object.fromEntries(all.references.map((r) => [r.connection, r.reference]))
    // Each gets a suffix from its own name: the same whichever others are exported with it.
    expect(new Set(Object.values(byName)).size).toBe(3)
    expect(Object.values(byName).every((r) => /^\$\{DBT_PW_PROD_EU_[0-9A-F]{6}\}$/.test(r))).toBe(true)
    const two = await ok<MappingsExport>(b, 'mappings.export', { connections: ['prod-eu', 'prod!eu'] })
    expect(Object.fromEntries(two.references.map((r) => [r.connection, r.reference]))).toEqual({ 'prod-eu': byName['prod-eu'], 'prod!eu': byName['prod!eu'] })
  })

  it('a connection made read-only under a sync that stays as it is is refused', async () => {
    const b = openStore()
    const doc = (ro: boolean): string =>
      `version: 1\nconnections:\n  - { name: s, host: h, user: u }\n  - { name: t, host: h, user: u${ro ? ', readOnly: true' : ''} }\nsyncs:\n  - name: x\n    source: { connection: s, database: a }\n    target: { connection: t, database: b }\n    tables: [{ source: t1 }]\n`
    expect((await ok<ImportReport>(b, 'mappings.apply', { document: doc(false) })).ok).toBe(true)
    const r = await ok<ImportReport>(b, 'mappings.apply', { document: doc(true) })
    expect(r).toMatchObject({ ok: false, problems: [{ code: 'READ_ONLY_TARGET', path: 'syncs[0].target.connection', line: 8 }] })
    expect(b.system.connections.findByName('t')!.readOnly).toBe(false)
  })

  it('a private key pasted as a certificate is refused, in the API and in a document', async () => {
    const b = openStore()
    const combined = `${CERT}-----BEGIN PRIVATE KEY-----\nMIIEv-secret\n-----END PRIVATE KEY-----\n`
    const r = await b.dispatch('connections.create', { name: 'x', host: 'h', user: 'u', tls: { mode: 'required', cert: combined } })
    expect(r.ok ? null : r.error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('private key') })
    const doc = `version: 1\nconnections:\n  - name: x\n    host: h\n    user: u\n    tls:\n      mode: required\n      ca: ${JSON.stringify(combined.replace('CERTIFICATE-----\\n', ''))}\n`
    const d = await ok<ImportReport>(b, 'mappings.import', { document: doc })
    expect(d.problems).toEqual([expect.objectContaining({ path: 'connections[0].tls.ca', line: 8, message: expect.stringContaining('private key') })])
  })

  it('names with control or text-direction characters are refused', async () => {
    const b = openStore()
    for (const name of ['evil\r\u001b[2K', 'a\u0000b', 'abc\u202Efdp.exe', 'x\u0085']) {
      const r = await b.dispatch('connections.create', { name, host: 'h', user: 'u' })
      expect(r.ok ? null : r.error.code, JSON.stringify(name)).toBe('VALIDATION')
      const d = await ok<ImportReport>(b, 'mappings.import', { document: JSON.stringify({ version: 1, connections: [{ name, host: 'h', user: 'u' }] }) })
      expect(d.problems[0], JSON.stringify(name)).toMatchObject({ path: 'connections[0].name', message: expect.stringContaining('control') })
    }
    expect((await b.dispatch('connections.create', { name: 'Grüße café ✓', host: 'h', user: 'u' })).ok).toBe(true)
  })

  it('a file reference reads small regular files only', async () => {
    const b = openStore()
    const big = join(b.dir, 'big')
    writeFileSync(big, 'x'.repeat(200 * 1024))
    for (const [path, why] of [
      ['/dev/zero', 'not a regular file'],
      [b.dir, 'not a regular file'],
      [big, 'more than a secret file holds']
    ] as const) {
      const doc = `version: 1\nconnections:\n  - { name: a, host: h, user: u, password: "\${file:${path}}" }\n`
      const r = await b.system.mappings.apply({ document: doc }, localReferences({}))
      expect(r.problems[0], path).toMatchObject({ path: 'connections[0].password', message: expect.stringContaining(why) })
    }
  })
})
