import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import {
  CONFLICT_POLICIES,
  DOCUMENT_FORMATS,
  type ConflictPolicy,
  type DocumentProblem,
  type ImportReport,
  type MappingValidationReport,
  type MappingsExport
} from '../../shared/config-document'
import type { Method, MethodInput, MethodOutput } from '../../shared/contract'
import { AppError, type ErrorCode } from '../../shared/errors'
import type { ConfigLayers } from '../sync/config/layers'
import { EXIT } from './exit-codes'

/**
 * Configuration as code: `db-taxi export`, `import`, `apply` and `validate`. Each works on a data dir
 * directly (`--data-dir`, as `serve`), or with `--server URL` against a running `db-taxi serve`
 * through the same API methods (the token from DBT_SERVER_TOKEN or the data dir's server-token).
 * A document's `${NAME}` and `${file:PATH}` references are read here, on the machine running the
 * command, and sent with the call: a server never reads its own environment for a caller.
 *
 * Exit codes: 0 done (or nothing to do), 2 a malformed document or failed validation (every problem
 * listed, nothing changed), 1 `validate` found problems, 3 the server could not be reached.
 */

interface Deps {
  withCommon: (cmd: Command) => Command
  layersFrom: (opts: Record<string, unknown>) => Promise<ConfigLayers>
  setExit: (code: number) => void
}

interface Common extends Record<string, unknown> {
  server?: string
  json?: boolean
  passphraseFile?: string
}

type Call = <M extends Method>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>

/** The API, either in this process on the data dir or over HTTP to a running serve. */
async function withApi<T>(deps: Deps, o: Common, fn: (call: Call, local: boolean) => Promise<T>): Promise<T> {
  const layers = await deps.layersFrom(o)
  if (o.server) return fn(await remoteCall(o.server, layers), false)
  const { createSyncSystem } = await import('../sync/system')
  const { createDispatcher } = await import('../api/dispatcher')
  const { createHandlers } = await import('../api/handlers')
  const { localReferences } = await import('../sync/mappings/references')
  const system = createSyncSystem({ layers, mode: 'headless', consoleLog: true })
  try {
    const handlers = createHandlers(system)
    // On a data dir the references are this process's own: the CLI is the caller.
    handlers['mappings.import'] = (input) => system.mappings.import(input, localReferences())
    handlers['mappings.apply'] = (input) => system.mappings.apply(input, localReferences())
    const dispatch = createDispatcher(handlers, system.logger)
    const call: Call = async (method, input) => {
      const r = await dispatch(method, input, { transport: 'cli' })
      if (!r.ok) throw new AppError(r.error.code, r.error.message, r.error.details)
      return r.data as MethodOutput<typeof method>
    }
    return await fn(call, true)
  } finally {
    await system.stop(5_000)
  }
}

async function remoteCall(server: string, layers: ConfigLayers): Promise<Call> {
  let base: URL
  try {
    base = new URL(server)
  } catch {
    throw new AppError('VALIDATION', `--server expects a URL such as http://127.0.0.1:8080, got "${server}"`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new AppError('VALIDATION', `--server must be an http:// or https:// URL, got "${server}"`)
  const { effectiveConfig } = await import('../sync/config/layers')
  const config = effectiveConfig(layers).config
  let token = config['server.token']
  const tokenFile = join(config.data_dir, 'server-token')
  if (!token && existsSync(tokenFile)) token = readFileSync(tokenFile, 'utf8').trim()
  if (!token) throw new AppError('VALIDATION', `No token for ${base.origin}: set DBT_SERVER_TOKEN (serve prints where its token is), or --data-dir of that server.`)
  return async (method, input) => {
    let res: Response
    try {
      res = await fetch(new URL(`/api/rpc/${method}`, base), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {})
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code
      throw new AppError(cause === 'ECONNREFUSED' ? 'CONNECTION_REFUSED' : 'HOST_UNREACHABLE', `Cannot reach db-taxi serve at ${base.origin}: ${cause ?? (err as Error).message}`)
    }
    const body = (await res.json().catch(() => null)) as { ok: boolean; data?: unknown; error?: { code: ErrorCode; message: string; details?: unknown } } | null
    if (!body) throw new AppError('UNAVAILABLE', `db-taxi serve at ${base.origin} answered HTTP ${res.status} without a body.`)
    if (!body.ok) throw new AppError(body.error!.code, body.error!.message, body.error!.details)
    return body.data as MethodOutput<typeof method>
  }
}

let stdinText: string | undefined

/** The document's text; stdin is read once (--conflict checks and the import both need it). `quiet`: null instead of an error. */
function readInput(file: string, quiet: true): string | null
function readInput(file: string): string
function readInput(file: string, quiet = false): string | null {
  try {
    if (file === '-') return (stdinText ??= readFileSync(0, 'utf8'))
    return readFileSync(file, 'utf8')
  } catch (err) {
    if (quiet) return null
    throw new AppError('VALIDATION', `Cannot read ${file === '-' ? 'stdin' : file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/** The passphrase from --passphrase-file or DBT_PASSPHRASE (never a flag: flags show in `ps`). */
function passphrase(o: Common): string | undefined {
  if (o.passphraseFile) {
    try {
      return readFileSync(o.passphraseFile, 'utf8').replace(/\r?\n$/, '')
    } catch (err) {
      throw new AppError('VALIDATION', `Cannot read --passphrase-file ${o.passphraseFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  return process.env.DBT_PASSPHRASE || undefined
}

/** Values for the document's references, read on this machine (sent along when talking to a server). */
async function referenceValues(text: string): Promise<Record<string, string>> {
  const { parseDocumentText } = await import('../sync/mappings/document-codec')
  const { referencesOf } = await import('../sync/mappings/manager')
  const { localReferences } = await import('../sync/mappings/references')
  const parsed = parseDocumentText(text)
  if (!parsed.document) return {}
  const resolve = localReferences()
  const out: Record<string, string> = {}
  for (const ref of referencesOf(parsed.document)) {
    const r = resolve(ref)
    if ('value' in r) out[ref] = r.value
    // The server will say the value is missing; the reason is only known here.
    else process.stderr.write(`warning: ${r.error}\n`)
  }
  return out
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
const collect = (v: string, prev: string[]): string[] => [...prev, v]

/** `--conflict NAME=POLICY`, or `connection:NAME=...` / `sync:NAME=...` for one kind only. */
export function conflictOptions(values: string[]): { connections: Record<string, ConflictPolicy>; syncs: Record<string, ConflictPolicy> } {
  const out = { connections: {} as Record<string, ConflictPolicy>, syncs: {} as Record<string, ConflictPolicy> }
  for (const v of values) {
    const i = v.lastIndexOf('=')
    const policy = v.slice(i + 1)
    if (i <= 0 || !(CONFLICT_POLICIES as readonly string[]).includes(policy)) {
      throw new AppError('VALIDATION', `--conflict expects NAME=${CONFLICT_POLICIES.join('|')}, got "${v}"`)
    }
    let name = v.slice(0, i)
    const kind = /^(connection|sync):/.exec(name)?.[1]
    if (kind) name = name.slice(kind.length + 1)
    if (kind !== 'sync') out.connections[name] = policy as ConflictPolicy
    if (kind !== 'connection') out.syncs[name] = policy as ConflictPolicy
  }
  return out
}

/**
 * Keeps each --conflict name for the kinds the document has it as, and refuses a name it does not
 * have at all: a typo (`copy shp=rename`) would otherwise fall back to the default policy unseen.
 */
async function conflictsFor(text: string | null, c: ReturnType<typeof conflictOptions>): Promise<ReturnType<typeof conflictOptions>> {
  if (text === null) return c
  const { parseDocumentText } = await import('../sync/mappings/document-codec')
  const doc = parseDocumentText(text).document
  if (!doc) return c
  const has = (items: { name: string }[] | undefined, n: string): boolean => (items ?? []).some((i) => i.name.toLowerCase() === n.toLowerCase())
  const out = { connections: {} as Record<string, ConflictPolicy>, syncs: {} as Record<string, ConflictPolicy> }
  const names = new Set([...Object.keys(c.connections), ...Object.keys(c.syncs)])
  for (const n of names) {
    const inConnections = has(doc.connections, n)
    const inSyncs = has(doc.syncs, n)
    if (c.connections[n] && inConnections) out.connections[n] = c.connections[n]
    if (c.syncs[n] && inSyncs) out.syncs[n] = c.syncs[n]
    if (!(c.connections[n] && inConnections) && !(c.syncs[n] && inSyncs)) {
      throw new AppError('VALIDATION', `--conflict names "${n}", which the document has no ${c.connections[n] && c.syncs[n] ? 'connection or sync' : c.connections[n] ? 'connection' : 'sync'} by.`)
    }
  }
  return out
}

/** `FILE:LINE:COL: path: message`, as compilers write it, so editors can jump to it. */
export function formatProblems(file: string, problems: DocumentProblem[]): string {
  return problems
    .map((p) => `${file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}: ${p.path === '(document)' ? '' : `${p.path}: `}${p.message}${p.code !== 'VALIDATION' ? ` [${p.code}]` : ''}`)
    .join('\n')
}

export function formatReport(r: ImportReport, dryRun: boolean): string {
  const verb: Record<string, string> = dryRun
    ? { create: 'would create', update: 'would update', delete: 'would delete', unchanged: 'unchanged', skip: 'would skip' }
    : { create: 'created', update: 'updated', delete: 'deleted', unchanged: 'unchanged', skip: 'skipped' }
  const order = ['delete', 'create', 'update', 'skip', 'unchanged']
  const lines = [...r.changes]
    .filter((c) => c.action !== 'unchanged')
    .sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action))
    .flatMap((c) => [
      `${verb[c.action]!.padEnd(13)}${c.kind.padEnd(11)}${c.name}${c.as ? ` as "${c.as}"` : ''}${c.fields?.length ? ` (${c.fields.join(', ')})` : ''}${c.reason ? `: ${c.reason}` : ''}`,
      // What changes, value by value: review it as a diff before it applies.
      ...(c.diff ?? []).map((d) => `${' '.repeat(15)}${d.field}: ${d.from} -> ${d.to}`)
    ])
  const s = r.summary
  const changed = s.create + s.update + s.delete
  if (changed === 0 && s.skip > 0) {
    lines.push(`Nothing ${dryRun ? 'would be' : 'was'} written: ${s.skip} item(s) exist and differ, and were skipped (use --on-conflict overwrite or rename to change them)${s.unchanged ? `; ${s.unchanged} unchanged` : ''}.`)
  } else if (changed === 0) lines.push(`Nothing to change: the store already matches (${s.unchanged} unchanged).`)
  else lines.push(`${dryRun ? 'Dry run, nothing changed: ' : ''}${s.create} ${dryRun ? 'to create' : 'created'}, ${s.update} ${dryRun ? 'to update' : 'updated'}, ${s.delete} ${dryRun ? 'to delete' : 'deleted'}, ${s.unchanged} unchanged${s.skip ? `, ${s.skip} skipped` : ''}.`)
  return lines.join('\n')
}

export function formatValidation(r: MappingValidationReport): string {
  const lines: string[] = []
  for (const s of r.syncs) {
    lines.push(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.tables} table${s.tables === 1 ? '' : 's'} checked)`)
    for (const p of s.problems) lines.push(`       ${p.code}${p.table ? ` ${p.table}` : ''}: ${p.message}`)
  }
  for (const p of r.problems) lines.push(`FAIL ${p.syncs.join(', ')}: ${p.code}: ${p.message}`)
  const bad = r.syncs.filter((s) => !s.ok).length
  lines.push(r.syncs.length === 0 ? 'No syncs to check.' : `${r.syncs.length - bad} of ${r.syncs.length} syncs ok${r.problems.length ? `, ${r.problems.length} problem(s) across syncs` : ''} (${r.durationMs} ms).`)
  return lines.join('\n')
}

export function registerConfigCommands(program: Command, deps: Deps): void {
  const withServer = (cmd: Command): Command =>
    deps.withCommon(cmd).option('--server <url>', 'work through a running `db-taxi serve` (token from DBT_SERVER_TOKEN) instead of the data dir')

  withServer(program.command('export'))
    .description('Write connections and syncs as one YAML (or JSON) document, to stdout unless -o. Secrets are never written in clear.')
    .option('--connections <names>', 'only these connections (comma-separated)', list)
    .option('--syncs <names>', 'only these syncs, with the connections they use (comma-separated)', list)
    .option('--format <format>', `${DOCUMENT_FORMATS.join(' or ')} (default yaml)`)
    .option('--omit-secrets', 'leave secrets out instead of writing ${DBT_...} variable references')
    .option('--seal', 'seal the secrets into the document with a passphrase (DBT_PASSPHRASE or --passphrase-file)')
    .option('--passphrase-file <file>', 'file holding the passphrase for --seal')
    .option('-o, --output <file>', 'write here instead of stdout (created with mode 0600)')
    .action(async (o: Common & { connections?: string[]; syncs?: string[]; format?: string; omitSecrets?: boolean; seal?: boolean; output?: string }) => {
      if (o.format !== undefined && !(DOCUMENT_FORMATS as readonly string[]).includes(o.format)) throw new AppError('VALIDATION', `--format must be yaml or json, got "${o.format}"`)
      if (o.seal && o.omitSecrets) throw new AppError('VALIDATION', '--seal and --omit-secrets exclude each other')
      const pass = o.seal ? passphrase(o) : undefined
      if (o.seal && !pass) throw new AppError('VALIDATION', '--seal needs a passphrase: set DBT_PASSPHRASE or give --passphrase-file')
      const e: MappingsExport = await withApi(deps, o, (call) =>
        call('mappings.export', {
          ...(o.connections ? { connections: o.connections } : {}),
          ...(o.syncs ? { syncs: o.syncs } : {}),
          format: (o.format as 'yaml' | 'json' | undefined) ?? 'yaml',
          secrets: o.seal ? 'seal' : o.omitSecrets ? 'omit' : 'env',
          ...(pass ? { passphrase: pass } : {})
        })
      )
      if (o.output) writeFileSync(o.output, e.document, { mode: 0o600 })
      else process.stdout.write(e.document)
      process.stderr.write(`exported ${e.connections} connection(s) and ${e.syncs} sync(s)${o.output ? ` to ${o.output}` : ''}\n`)
      if (e.references.length) {
        process.stderr.write(`secrets are references; set these where the document is imported:\n${[...new Set(e.references.map((r) => `  ${r.reference.slice(2, -1)}`))].filter((r) => r !== '  sealed').join('\n') || '  (sealed: the passphrase)'}\n`)
      }
      deps.setExit(EXIT.OK)
    })

  const documentCommand = (name: 'import' | 'apply', description: string): Command =>
    withServer(program.command(name))
      .argument('<file>', 'the document (YAML or JSON; - for stdin)')
      .description(description)
      .option('--dry-run', 'validate and show what would change, changing nothing')
      .option('--passphrase-file <file>', 'passphrase of sealed secrets (else DBT_PASSPHRASE)')
      .option('--json', 'print the report as JSON')

  const runDocument = async (name: 'import' | 'apply', file: string, o: Common & { dryRun?: boolean }, extra: Record<string, unknown>): Promise<void> => {
    const text = readInput(file)
    const pass = passphrase(o)
    const report = await withApi(deps, o, async (call, local) => {
      const input = { document: text, ...(pass ? { passphrase: pass } : {}), ...(o.dryRun ? { dryRun: true } : {}), ...(local ? {} : { references: await referenceValues(text) }), ...extra }
      return name === 'import' ? call('mappings.import', input) : call('mappings.apply', input)
    })
    if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    if (!report.ok) {
      process.stderr.write(`${formatProblems(file === '-' ? '<stdin>' : file, report.problems)}\n${report.problems.length} problem(s); nothing was changed.\n`)
      deps.setExit(EXIT.USAGE)
      return
    }
    if (!o.json) process.stdout.write(formatReport(report, o.dryRun === true) + '\n')
    // Say where secrets came from: a document someone else wrote decides which files are read.
    if (report.references.length) {
      process.stderr.write(`secrets read from: ${report.references.map((r) => (r.startsWith('file:') ? `the file ${r.slice(5)}` : `$${r}`)).join(', ')}\n`)
    }
    deps.setExit(EXIT.OK)
  }

  documentCommand('import', 'Import connections and syncs from a document; names that exist follow --on-conflict (default skip).')
    .option('--on-conflict <policy>', `for a name the store has: ${CONFLICT_POLICIES.join(', ')} (default skip)`)
    .option('--conflict <name=policy>', 'policy for one name (connection:NAME=... or sync:NAME=... for one kind); repeatable', collect, [])
    .action(async (file: string, o: Common & { dryRun?: boolean; onConflict?: string; conflict: string[] }) => {
      if (o.onConflict !== undefined && !(CONFLICT_POLICIES as readonly string[]).includes(o.onConflict)) {
        throw new AppError('VALIDATION', `--on-conflict must be one of ${CONFLICT_POLICIES.join(', ')}, got "${o.onConflict}"`)
      }
      const conflicts = await conflictsFor(readInput(file === '-' ? '-' : file, true), conflictOptions(o.conflict))
      await runDocument('import', file, o, { ...(o.onConflict ? { onConflict: o.onConflict } : {}), ...(o.conflict.length ? { conflicts } : {}) })
    })

  documentCommand('apply', 'Make the store match the document: create and update what it names (and with --prune delete the rest).')
    .option('--prune', 'also delete the connections and syncs the document does not name')
    .action(async (file: string, o: Common & { dryRun?: boolean; prune?: boolean }) => {
      await runDocument('apply', file, o, o.prune ? { prune: true } : {})
    })

  withServer(program.command('validate'))
    .argument('[syncs...]', 'sync names (default: every sync)')
    .description("Check every sync's mappings against the live schemas: vanished tables and columns, keys, filters, privileges, two mappings onto one table.")
    .option('--json', 'print the report as JSON')
    .option('--file <document>', "check a document's syncs against the live schemas before applying it (on a copy of the store; nothing changes)")
    .option('--passphrase-file <file>', 'passphrase of sealed secrets in --file (else DBT_PASSPHRASE)')
    .action(async (names: string[], o: Common & { file?: string }) => {
      if (o.file) {
        if (o.server) throw new AppError('VALIDATION', '--file works on a data dir: run it where the store is, without --server')
        if (names.length) throw new AppError('VALIDATION', '--file checks the syncs the document names; give no sync names with it')
        const r = await validateDocument(deps, o, o.file)
        if ('problems' in r) {
          if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
          process.stderr.write(`${formatProblems(o.file, r.problems)}\n${r.problems.length} problem(s) in the document; nothing was checked against the servers.\n`)
          deps.setExit(EXIT.USAGE)
          return
        }
        process.stdout.write(o.json ? JSON.stringify(r.report, null, 2) + '\n' : formatValidation(r.report) + '\n')
        deps.setExit(r.report.ok ? EXIT.OK : EXIT.FAILED)
        return
      }
      const report = await withApi(deps, o, async (call) => {
        let syncIds: string[] | undefined
        if (names.length) {
          const all = await call('syncs.list', {})
          const unknown = names.filter((n) => !all.some((s) => s.name.toLowerCase() === n.toLowerCase()))
          if (unknown.length) {
            const file = unknown.find((n) => existsSync(n))
            throw new AppError(
              'VALIDATION',
              file
                ? `validate checks saved syncs by name; "${file}" is a file. Check a document with \`db-taxi apply ${file} --dry-run\` (its fields and the store's rules), and its tables against the servers with \`db-taxi validate\` once applied.`
                : `No saved sync named ${unknown.map((n) => `"${n}"`).join(', ')}.`
            )
          }
          syncIds = all.filter((s) => names.some((n) => n.toLowerCase() === s.name.toLowerCase())).map((s) => s.id)
        }
        return call('mappings.validate', syncIds ? { syncIds } : {})
      })
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatValidation(report) + '\n')
      deps.setExit(report.ok ? EXIT.OK : EXIT.FAILED)
    })
}

/**
 * `validate --file`: the document applied to a copy of the store (SQLite's online backup, with the
 * data dir's secret key), then the syncs it names checked against the live schemas there. The real
 * store is only read; the copy is removed after.
 */
async function validateDocument(deps: Deps, o: Common, file: string): Promise<ImportReport | { report: MappingValidationReport }> {
  const text = readInput(file)
  const pass = passphrase(o)
  const { createSyncSystem } = await import('../sync/system')
  const { localReferences } = await import('../sync/mappings/references')
  const { mkdtempSync, copyFileSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const copyDir = mkdtempSync(join(tmpdir(), 'dbt-validate-'))
  try {
    const real = createSyncSystem({ layers: await deps.layersFrom(o), mode: 'headless', consoleLog: true })
    try {
      await real.db.backup(join(copyDir, 'db-taxi.sqlite'))
      if (existsSync(join(real.dataDir, 'secret.key'))) copyFileSync(join(real.dataDir, 'secret.key'), join(copyDir, 'secret.key'))
    } finally {
      await real.stop(5_000)
    }
    const copy = createSyncSystem({ layers: await deps.layersFrom({ ...o, dataDir: copyDir }), mode: 'headless', consoleLog: true })
    try {
      const applied = await copy.mappings.apply({ document: text, ...(pass ? { passphrase: pass } : {}) }, localReferences())
      if (!applied.ok) return applied
      const { parseDocumentText } = await import('../sync/mappings/document-codec')
      const named = (parseDocumentText(text).document?.syncs ?? []).map((s) => copy.syncs.findByName(s.name)?.id).filter((id): id is string => id !== undefined)
      return { report: await copy.mappings.validate(named) }
    } finally {
      await copy.stop(5_000)
    }
  } finally {
    rmSync(copyDir, { recursive: true, force: true })
  }
}
