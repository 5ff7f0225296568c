import { createHash, randomUUID } from 'node:crypto'
import type { z } from 'zod'
import {
  CONFIG_DOCUMENT_VERSION,
  type ConfigDocument,
  type ConflictPolicy,
  type DocumentConnection,
  type DocumentProblem,
  type ImportAction,
  type ImportChange,
  type ImportReport,
  type MappingValidationReport,
  type MappingsExport,
  type mappingsApplySchema,
  type mappingsExportSchema,
  type mappingsImportSchema
} from '../../../shared/config-document'
import { AppError } from '../../../shared/errors'
import type { ConnectionManager } from '../connections/manager'
import { joinSecrets, splitSecrets, type ResolvedConnection, type Secrets } from '../connections/model'
import type { Deps } from '../deps'
import type { Scheduler } from '../jobs/scheduler'
import type { SyncManager } from '../syncs/manager'
import { appVersion } from '../version'
import { formatDocument, parseDocumentText, pathText } from './document-codec'
import {
  changedFields,
  connectionDocument,
  fieldDiffs,
  type FieldDiff,
  resolvedFromDocument,
  SECRET_FIELDS,
  secretReference,
  storedSyncParts,
  syncDocument
} from './document-forms'
import { openWithPassphrase, PassphraseError, sealWithPassphrase } from './passphrase-seal'
import { validateMappings } from './validation-report'
import { checkWhereFilter } from '../engine/read/where-filter'
import { validateSchedule } from '../jobs/schedule-rules'

/**
 * The mapping manager of the reference design: the whole setup (connections, syncs with their table
 * mappings and schedules) as one document, out (export) and in (import with conflict policies,
 * apply for configuration as code), and one validation report of every sync against the live schemas.
 *
 * An import is all or nothing: it runs in one store transaction, through the same checks as the
 * API's create and update (filters, schedules, read-only targets), and a dry run is the same
 * transaction rolled back, so a preview can never promise what the import would then refuse.
 */

export type ExportInput = z.output<typeof mappingsExportSchema>
export type ImportInput = z.output<typeof mappingsImportSchema>
export type ApplyInput = z.output<typeof mappingsApplySchema>

/**
 * Values of a document's `${NAME}` and `${file:PATH}` references (the text inside the braces). The
 * CLI on a data dir reads its environment and files; the API only what the caller sent.
 */
export type ReferenceResolver = (reference: string) => { value: string } | { error: string }

/** Thrown inside the store transaction to roll a dry run back. */
class DryRunRollback extends Error {}

type Plan = {
  kind: 'connection' | 'sync'
  index: number
  name: string
  action: ImportAction
  /** The name written to the store (a rename policy's new name). */
  finalName: string
  existingId?: string
  fields?: string[]
  /** update and skip: the values that differ (secrets only as set or not). */
  diff?: FieldDiff[]
  reason?: string
}

export class MappingManager {
  constructor(
    private readonly deps: Deps,
    private readonly connections: ConnectionManager,
    private readonly syncs: SyncManager,
    private readonly scheduler: Scheduler,
    /** Registers a secret with the log redactor (passphrases, resolved references). */
    private readonly addSecret: (secret: string | null | undefined) => void = () => {}
  ) {}

  // ---------- export ----------

  async export(input: ExportInput): Promise<MappingsExport> {
    this.addSecret(input.passphrase)
    const format = input.format ?? 'yaml'
    const secretsMode = input.secrets ?? 'env'
    const allConnections = this.connections.repo.list()
    const allSyncs = this.syncs.repo.list()
    const lower = (s: string): string => s.toLowerCase()

    let syncs = allSyncs
    let conns = allConnections
    if (input.syncs || input.connections) {
      const wantSyncs = new Set((input.syncs ?? []).map(lower))
      const wantConns = new Set((input.connections ?? []).map(lower))
      const unknown = [
        ...[...wantSyncs].filter((n) => !allSyncs.some((s) => lower(s.name) === n)).map((n) => `sync "${n}"`),
        ...[...wantConns].filter((n) => !allConnections.some((c) => lower(c.name) === n)).map((n) => `connection "${n}"`)
      ]
      if (unknown.length) throw new AppError('NOT_FOUND', `Nothing to export under ${unknown.join(', ')}.`, { unknown })
      syncs = allSyncs.filter((s) => wantSyncs.has(lower(s.name)))
      // A sync travels with the connections it uses, so the document can be imported on its own.
      const used = new Set(syncs.flatMap((s) => [s.sourceConnectionId, s.targetConnectionId]))
      conns = allConnections.filter((c) => wantConns.has(lower(c.name)) || used.has(c.id))
    }

    const names = new Map(allConnections.map((c) => [c.id, c.name]))
    const references: MappingsExport['references'] = []
    const sealed: Record<string, Secrets> = {}
    const envNameOf = stableEnvNames(conns.map((c) => c.name))
    const documentConnections: DocumentConnection[] = conns.map((row) => {
      const set = new Set(row.options.secretsSet)
      let resolved: ResolvedConnection
      if (secretsMode === 'seal' && set.size > 0) {
        resolved = this.connections.resolve(row.id)
        sealed[row.name] = splitSecrets(resolved).secrets
      } else {
        resolved = joinSecrets(row, {})
      }
      return connectionDocument(resolved, set, (secret) => {
        if (secretsMode === 'omit') return undefined
        const field = SECRET_FIELDS.find((f) => f.secret === secret)!
        const reference = secretsMode === 'seal' ? '${sealed}' : `\${DBT_${field.env}_${envNameOf.get(row.name)!}}`
        references.push({ connection: row.name, field: field.path.join('.'), reference })
        return reference
      })
    })
    const documentSyncs = syncs.map((s) => syncDocument(storedSyncParts(s, this.scheduler.repo.forSync(s.id)?.schedule ?? null, (id) => names.get(id) ?? id)))

    const doc: ConfigDocument = {
      version: CONFIG_DOCUMENT_VERSION,
      exportedAt: new Date().toISOString(),
      generator: `DB-Taxi ${appVersion()}`,
      connections: documentConnections,
      syncs: documentSyncs
    }
    if (secretsMode === 'seal' && Object.keys(sealed).length > 0) doc.sealed = await sealWithPassphrase(JSON.stringify(sealed), input.passphrase!)
    this.deps.logger.info('configuration exported', { connections: conns.length, syncs: syncs.length, secretsAs: secretsMode })
    return { format, document: formatDocument(doc, format), connections: conns.length, syncs: syncs.length, references }
  }

  // ---------- import and apply ----------

  /** Imports a document; names the store has already follow the conflict policies (default skip). */
  async import(input: ImportInput, resolve: ReferenceResolver): Promise<ImportReport> {
    const policy = (kind: 'connections' | 'syncs', name: string): ConflictPolicy => {
      const per = input.conflicts?.[kind] ?? {}
      const hit = Object.entries(per).find(([n]) => n.toLowerCase() === name.toLowerCase())
      return hit?.[1] ?? input.onConflict ?? 'skip'
    }
    const named = { connections: Object.keys(input.conflicts?.connections ?? {}), syncs: Object.keys(input.conflicts?.syncs ?? {}) }
    return this.run(input, resolve, { policy, prune: false, named })
  }

  /** Makes the store match the document: creates and updates; deletes what it does not name with prune. */
  async apply(input: ApplyInput, resolve: ReferenceResolver): Promise<ImportReport> {
    return this.run(input, resolve, { policy: () => 'overwrite', prune: input.prune === true })
  }

  private async run(
    input: { document: string; passphrase?: string; dryRun?: boolean },
    resolve: ReferenceResolver,
    how: { policy: (kind: 'connections' | 'syncs', name: string) => ConflictPolicy; prune: boolean; named?: Partial<Record<'connections' | 'syncs', string[]>> }
  ): Promise<ImportReport> {
    this.addSecret(input.passphrase)
    const parsed = parseDocumentText(input.document)
    if (!parsed.document) return report(parsed.problems, [], false, [])
    const doc = parsed.document
    const problems: DocumentProblem[] = []
    const at = (path: (string | number)[], message: string, code: DocumentProblem['code'] = 'VALIDATION'): void => {
      problems.push({ code, message, path: pathText(path), ...parsed.locate(path) })
    }
    const docConnections = doc.connections ?? []
    const docSyncs = doc.syncs ?? []
    duplicates(docConnections, 'connections', at)
    duplicates(docSyncs, 'syncs', at)
    const refs = referencesOf(doc)
    for (const [kind, names] of Object.entries(how.named ?? {}) as ['connections' | 'syncs', string[]][]) {
      for (const n of names) {
        const items: { name: string }[] = kind === 'connections' ? docConnections : docSyncs
        if (!items.some((i) => i.name.toLowerCase() === n.toLowerCase())) {
          problems.push({ code: 'VALIDATION', message: `a conflict policy is given for ${kind === 'connections' ? 'connection' : 'sync'} "${n}", which the document does not have`, path: `(conflicts.${kind})` })
        }
      }
    }

    // Secrets: the sealed block first (one passphrase for all), then every reference.
    const secrets = await this.documentSecrets(doc, input.passphrase, resolve, at)
    if (problems.length) return report(problems, [], false, refs)

    // What happens to each item, before anything is written.
    const storeConnections = this.connections.repo.list()
    const storeSyncs = this.syncs.repo.list()
    const taken = new Set([...storeConnections.map((c) => c.name.toLowerCase()), ...docConnections.map((c) => c.name.toLowerCase())])
    const syncTaken = new Set([...storeSyncs.map((s) => s.name.toLowerCase()), ...docSyncs.map((s) => s.name.toLowerCase())])
    const storeConnectionByName = new Map(storeConnections.map((c) => [c.name.toLowerCase(), c]))
    const storeSyncByName = new Map(storeSyncs.map((x) => [x.name.toLowerCase(), x]))
    const plans: Plan[] = []
    /** Document connection name (lower case) -> the store name syncs of the document will use. */
    const connectionNames = new Map<string, string>()
    const resolvedConnections = new Map<number, ResolvedConnection>()

    for (const [i, c] of docConnections.entries()) {
      const existing = storeConnectionByName.get(c.name.toLowerCase())
      const plan: Plan = { kind: 'connection', index: i, name: c.name, action: 'create', finalName: c.name }
      if (existing) {
        let keep: Secrets = {}
        let secretsLost = false
        try {
          keep = splitSecrets(this.connections.resolve(existing.id)).secrets
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'SECRETS_UNAVAILABLE')) throw err
          secretsLost = true
        }
        const next = resolvedFromDocument(c, secrets.get(i) ?? {}, keep)
        // Both as the document writes them (without secrets), so defaults compare equal.
        const nowDoc = connectionDocument(joinSecrets(existing, {}), new Set(), () => undefined)
        const nextDoc = connectionDocument(next, new Set(), () => undefined)
        const fields = changedFields(nowDoc, nextDoc)
        const diff = fieldDiffs(nowDoc, nextDoc, fields)
        for (const f of SECRET_FIELDS) {
          const given = secrets.get(i)?.[f.secret]
          // An empty value is no secret, as the store keeps it: '' over none is no change.
          if (given !== undefined && (secretsLost || (given || undefined) !== keep[f.secret])) {
            fields.push(f.path.join('.'))
            // Never the values: only whether one is set.
            diff.push({ field: f.path.join('.'), from: keep[f.secret] ? '(set)' : '(not set)', to: given ? '(a new value)' : '(not set)' })
          }
        }
        plan.diff = diff
        const unchanged = fields.length === 0
        const p = how.policy('connections', c.name)
        plan.existingId = existing.id
        plan.finalName = existing.name
        if (unchanged) plan.action = 'unchanged'
        else if (p === 'skip') Object.assign(plan, { action: 'skip', reason: `a connection named "${existing.name}" exists (policy skip)` })
        else if (p === 'overwrite') Object.assign(plan, { action: 'update', fields, finalName: c.name })
        else {
          const as = freeName(c.name, taken)
          Object.assign(plan, { action: 'create', finalName: as, existingId: undefined })
          resolvedConnections.set(i, resolvedFromDocument({ ...c, name: as }, secrets.get(i) ?? {}, {}))
        }
        if (plan.action === 'update') resolvedConnections.set(i, next)
      } else {
        resolvedConnections.set(i, resolvedFromDocument(c, secrets.get(i) ?? {}, {}))
      }
      connectionNames.set(c.name.toLowerCase(), plan.finalName)
      plans.push(plan)
    }

    // Prune (apply): connections the document does not name; syncs that use them go too.
    const namedConnections = new Set(docConnections.map((c) => c.name.toLowerCase()))
    const namedSyncs = new Set(docSyncs.map((s) => s.name.toLowerCase()))
    const prunedConnections = how.prune ? storeConnections.filter((c) => !namedConnections.has(c.name.toLowerCase())) : []
    const prunedSyncs = how.prune ? storeSyncs.filter((s) => !namedSyncs.has(s.name.toLowerCase())) : []
    const gone = new Set(prunedConnections.map((c) => c.name.toLowerCase()))
    const storeName = (name: string): string | undefined => {
      const mapped = connectionNames.get(name.toLowerCase())
      if (mapped) return mapped
      const s = storeConnectionByName.get(name.toLowerCase())
      return s && !gone.has(s.name.toLowerCase()) ? s.name : undefined
    }
    const storeNames = new Map(storeConnections.map((c) => [c.id, c.name]))

    for (const [i, s] of docSyncs.entries()) {
      for (const side of ['source', 'target'] as const) {
        if (!storeName(s[side].connection)) {
          at(['syncs', i, side, 'connection'], `no connection named "${s[side].connection}" in the document${gone.has(s[side].connection.toLowerCase()) ? ' (the store has one, but prune deletes it)' : ' or the store'}`)
        }
      }
      const existing = storeSyncByName.get(s.name.toLowerCase())
      const plan: Plan = { kind: 'sync', index: i, name: s.name, action: 'create', finalName: s.name }
      if (existing) {
        const now = syncDocument(storedSyncParts(existing, this.scheduler.repo.forSync(existing.id)?.schedule ?? null, (id) => storeNames.get(id) ?? id))
        const next = syncDocument({ ...s, source: { ...s.source, connection: storeName(s.source.connection) ?? s.source.connection }, target: { ...s.target, connection: storeName(s.target.connection) ?? s.target.connection }, name: existing.name })
        const fields = changedFields(now, next)
        if (s.name !== existing.name) fields.push('name')
        plan.diff = fieldDiffs(now, { ...next, name: s.name }, fields)
        const p = how.policy('syncs', s.name)
        plan.existingId = existing.id
        plan.finalName = existing.name
        if (fields.length === 0) plan.action = 'unchanged'
        else if (p === 'skip') Object.assign(plan, { action: 'skip', reason: `a sync named "${existing.name}" exists (policy skip)` })
        else if (p === 'overwrite') Object.assign(plan, { action: 'update', fields, finalName: s.name })
        else Object.assign(plan, { action: 'create', finalName: freeName(s.name, syncTaken), existingId: undefined })
      }
      plans.push(plan)
    }
    // The checks syncs.create makes that need no store, each at its own field, every one of them.
    for (const [i, s] of docSyncs.entries()) {
      const targets = new Map<string, number>()
      for (const [j, t] of (s.tables ?? []).entries()) {
        if (t.where !== undefined && t.where.trim() !== '') {
          try {
            checkWhereFilter(t.where, t.source)
          } catch (err) {
            at(['syncs', i, 'tables', j, 'where'], messageOf(err), codeOf(err))
          }
        }
        const target = t.target || t.source
        const other = targets.get(target)
        if (other !== undefined) at(['syncs', i, 'tables', j, 'target'], `tables[${other}] and tables[${j}] would both be copied into ${target}`)
        targets.set(target, j)
      }
      if (s.schedule) {
        try {
          validateSchedule(s.schedule)
        } catch (err) {
          at(['syncs', i, 'schedule'], messageOf(err), codeOf(err))
        }
      }
    }
    if (problems.length) return report(problems, [], false, refs)


    // Write everything in one transaction, through the managers' own checks; a dry run rolls back.
    const changedConnections: string[] = []
    const execute = this.deps.db.transaction(() => {
      const idOf = new Map<string, string>(storeConnections.map((c) => [c.name.toLowerCase(), c.id]))
      for (const plan of plans.filter((p) => p.kind === 'connection')) {
        const path = ['connections', plan.index]
        try {
          if (plan.action === 'create') {
            const row = this.connections.storedRow({ ...resolvedConnections.get(plan.index)!, name: plan.finalName, id: randomUUID() }, Date.now())
            this.connections.repo.insert(row)
            idOf.set(plan.finalName.toLowerCase(), row.id)
          } else if (plan.action === 'update') {
            const existing = this.connections.repo.require(plan.existingId!)
            const row = this.connections.storedRow({ ...resolvedConnections.get(plan.index)!, id: existing.id }, existing.createdAt)
            this.connections.repo.update(row)
            idOf.delete(existing.name.toLowerCase())
            idOf.set(row.name.toLowerCase(), row.id)
            changedConnections.push(existing.id)
          }
        } catch (err) {
          at(path, messageOf(err), codeOf(err))
        }
      }
      for (const plan of plans.filter((p) => p.kind === 'sync')) {
        if (plan.action !== 'create' && plan.action !== 'update') continue
        const s = docSyncs[plan.index]!
        const fields = {
          name: plan.finalName,
          sourceConnectionId: idOf.get(storeName(s.source.connection)!.toLowerCase())!,
          targetConnectionId: idOf.get(storeName(s.target.connection)!.toLowerCase())!,
          sourceDatabase: s.source.database,
          targetDatabase: s.target.database,
          tables: s.tables ?? [],
          options: s.options ?? {}
        }
        try {
          if (plan.action === 'create') {
            this.syncs.create({ ...fields, ...(s.allTables ? { allTables: s.allTables } : {}), ...(s.schedule ? { schedule: s.schedule } : {}) })
          } else {
            this.syncs.update({ id: plan.existingId!, ...fields, allTables: s.allTables ?? null, schedule: s.schedule ?? null })
          }
        } catch (err) {
          at(['syncs', plan.index], messageOf(err), codeOf(err))
        }
      }
      for (const s of prunedSyncs) {
        try {
          // Refuses a sync with a queued or running job (IN_USE), as syncs.delete does.
          this.syncs.delete(s.id)
        } catch (err) {
          problems.push({ code: codeOf(err), message: `${messageOf(err)} (or apply without --prune)`, path: '(prune)' })
        }
      }
      for (const c of prunedConnections) this.connections.repo.delete(c.id, true)
      // A connection the document makes read-only may be the target of a sync it leaves as it is.
      for (const sync of this.syncs.repo.list()) {
        const target = this.connections.repo.get(sync.targetConnectionId)
        if (!target?.readOnly) continue
        const si = docSyncs.findIndex((x) => x.name.toLowerCase() === sync.name.toLowerCase())
        const ci = docConnections.findIndex((x) => x.name.toLowerCase() === target.name.toLowerCase())
        const message = `connection "${target.name}" is read-only, but sync "${sync.name}" writes into it`
        if (problems.some((p) => p.message.includes(`"${target.name}"`) && p.code === 'READ_ONLY_TARGET')) continue
        if (si >= 0) at(['syncs', si, 'target', 'connection'], message, 'READ_ONLY_TARGET')
        else if (ci >= 0) at(['connections', ci, 'readOnly'], message, 'READ_ONLY_TARGET')
        else problems.push({ code: 'READ_ONLY_TARGET', message, path: '(store)' })
      }
      if (problems.length || input.dryRun) throw new DryRunRollback()
    })
    try {
      execute()
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err
      // The schedules' timer was set from rows that are gone again.
      this.scheduler.replan()
    }
    const changes: ImportChange[] = [
      ...plans.map((p) => ({
        kind: p.kind,
        name: p.name,
        action: p.action,
        ...(p.action === 'create' && p.finalName !== p.name ? { as: p.finalName } : {}),
        ...(p.fields ? { fields: p.fields } : {}),
        ...(p.diff?.length && (p.action === 'update' || p.action === 'skip') ? { diff: p.diff } : {}),
        ...(p.reason ? { reason: p.reason } : {})
      })),
      ...prunedSyncs.map((s) => ({ kind: 'sync' as const, name: s.name, action: 'delete' as const, reason: 'not in the document (prune)' })),
      ...prunedConnections.map((c) => ({ kind: 'connection' as const, name: c.name, action: 'delete' as const, reason: 'not in the document (prune)' }))
    ]
    if (problems.length) return report(problems, changes, false, refs)
    const applied = input.dryRun !== true
    if (applied) {
      for (const id of [...changedConnections, ...prunedConnections.map((c) => c.id)]) await this.connections.changed(id)
      const counts = summaryOf(changes)
      this.deps.logger.info('configuration imported', { ...counts, prune: how.prune })
    }
    return report([], changes, applied, refs)
  }

  /** Opens the sealed block and resolves every reference; problems name the field. */
  private async documentSecrets(
    doc: ConfigDocument,
    passphrase: string | undefined,
    resolve: ReferenceResolver,
    at: (path: (string | number)[], message: string, code?: DocumentProblem['code']) => void
  ): Promise<Map<number, Secrets>> {
    const out = new Map<number, Secrets>()
    const connections = doc.connections ?? []
    const wantsSealed = connections.some((c) => SECRET_FIELDS.some((f) => secretReference(c, f.secret) === '${sealed}'))
    let sealed: Record<string, Secrets> | undefined
    if (wantsSealed) {
      if (!doc.sealed) at(['sealed'], 'the document refers to ${sealed} secrets but has no sealed block')
      else if (!passphrase) at(['sealed'], 'the document has sealed secrets: give the passphrase that sealed them (the CLI reads DBT_PASSPHRASE or --passphrase-file)', 'PASSPHRASE_INVALID')
      else {
        try {
          sealed = JSON.parse(await openWithPassphrase(doc.sealed, passphrase)) as Record<string, Secrets>
        } catch (err) {
          if (!(err instanceof PassphraseError)) throw err
          at(['sealed'], err.message, 'PASSPHRASE_INVALID')
          return out
        }
      }
    }
    for (const [i, c] of connections.entries()) {
      const secrets: Secrets = {}
      for (const f of SECRET_FIELDS) {
        const ref = secretReference(c, f.secret)
        if (ref === undefined) continue
        const path = ['connections', i, ...f.path]
        if (ref === '${sealed}') {
          if (!sealed) continue
          const v = sealed[c.name]?.[f.secret]
          if (typeof v !== 'string') at(path, `the sealed block holds no ${f.path.join('.')} for connection "${c.name}"`)
          else {
            this.addSecret(v)
            secrets[f.secret] = v
          }
          continue
        }
        const r = resolve(ref.slice(2, -1))
        if ('error' in r) at(path, r.error)
        else {
          this.addSecret(r.value)
          secrets[f.secret] = r.value
        }
      }
      out.set(i, secrets)
    }
    return out
  }

  // ---------- validation ----------

  /** Every sync (or those named) checked against the live schemas, concurrently per server. */
  async validate(syncIds?: string[]): Promise<MappingValidationReport> {
    return validateMappings({ syncs: this.syncs, connections: this.connections, syncIds })
  }
}

/** The part of a variable name made from a connection name: `prod-eu 2` -> `PROD_EU_2`. */
function envPart(name: string): string {
  const part = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
  return part || 'CONNECTION'
}

/**
 * The name part of each connection's variables. Names that would read the same (`prod-eu`, `prod eu`)
 * all get a suffix from a hash of their own exact name, so the variable a connection is given never
 * depends on which other connections are exported with it: adding one can never move a password that
 * a CI job already sets onto another connection's host (the old variable then is simply unused).
 */
function stableEnvNames(names: string[]): Map<string, string> {
  const counts = new Map<string, number>()
  for (const n of names) counts.set(envPart(n), (counts.get(envPart(n)) ?? 0) + 1)
  return new Map(
    names.map((n) => {
      const part = envPart(n)
      return [n, counts.get(part)! > 1 ? `${part}_${createHash('sha256').update(n).digest('hex').slice(0, 6).toUpperCase()}` : part]
    })
  )
}

/**
 * `name (2)`, `name (3)`, ... the first no item in the store or document has (names compare case-blind).
 * The name is shortened to leave room for the suffix within the 100 characters a name may have.
 */
function freeName(name: string, taken: Set<string>): string {
  for (let n = 2; n < 100_000; n++) {
    const suffix = ` (${n})`
    const candidate = name.slice(0, 100 - suffix.length).trimEnd() + suffix
    if (!taken.has(candidate.toLowerCase())) {
      taken.add(candidate.toLowerCase())
      return candidate
    }
  }
  throw new AppError('CONFLICT', `No free name is left for "${name}" (tried up to "${name} (99999)").`)
}

function duplicates(items: { name: string }[], kind: 'connections' | 'syncs', at: (path: (string | number)[], message: string) => void): void {
  const first = new Map<string, number>()
  for (const [i, item] of items.entries()) {
    const key = item.name.toLowerCase()
    const j = first.get(key)
    if (j === undefined) first.set(key, i)
    else at([kind, i, 'name'], `the name "${item.name}" is used twice (also ${kind}[${j}]; names compare without case)`)
  }
}

/** The references of a document that a caller must give values for (not `${sealed}`). */
export function referencesOf(doc: ConfigDocument): string[] {
  const refs = new Set<string>()
  for (const c of doc.connections ?? []) {
    for (const f of SECRET_FIELDS) {
      const r = secretReference(c, f.secret)
      if (r && r !== '${sealed}') refs.add(r.slice(2, -1))
    }
  }
  return [...refs].sort()
}

function summaryOf(changes: ImportChange[]): Record<ImportAction, number> {
  const s: Record<ImportAction, number> = { create: 0, update: 0, unchanged: 0, skip: 0, delete: 0 }
  for (const c of changes) s[c.action]++
  return s
}

function report(problems: DocumentProblem[], changes: ImportChange[], applied: boolean, references: string[]): ImportReport {
  return { ok: problems.length === 0, applied, problems, changes, summary: summaryOf(changes), references }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function codeOf(err: unknown): DocumentProblem['code'] {
  return err instanceof AppError ? err.code : 'VALIDATION'
}

