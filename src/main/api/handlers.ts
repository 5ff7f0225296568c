import type { Method, MethodOutput, ParsedInput } from '../../shared/contract'
import type { SyncSystem } from '../sync/system'
import { AppError } from '../../shared/errors'
import { previewSchedule } from '../sync/jobs/schedule-rules'
import { callerReferences } from '../sync/mappings/references'

/** Who is calling: used for logs and, later, per-transport policy. */
export interface CallContext {
  transport: 'ipc' | 'http' | 'cli' | 'test'
}

export type Handler<M extends Method> = (
  input: ParsedInput<M>,
  ctx: CallContext
) => Promise<MethodOutput<M>> | MethodOutput<M>

export type Handlers = { [M in Method]: Handler<M> }

/** The contract implemented on the sync system. Each handler only translates; logic lives in sync/. */
export function createHandlers(system: SyncSystem): Handlers {
  return {
    'system.status': () => system.status(),
    'settings.get': () => system.settings.view(),
    'settings.update': (input) => system.settings.update(input.values),
    'connections.list': () => system.connections.list(),
    'connections.get': (input) => system.connections.get(input.id),
    'connections.create': (input) => system.connections.create(input),
    'connections.update': (input) => system.connections.update(input),
    'connections.delete': (input) => system.connections.delete(input),
    'connections.test': (input) => system.connections.test(input),
    'connections.databases': (input) => system.connections.databases(input),
    'connections.tables': (input) => system.connections.tables(input),
    'connections.columns': (input) => system.connections.columns(input),
    'connections.cursors': (input) => system.connections.cursors(input),
    'syncs.list': () => system.syncs.list(),
    'syncs.get': (input) => system.syncs.get(input.id),
    'syncs.create': (input) => system.syncs.create(input),
    'syncs.update': (input) => system.syncs.update(input),
    'syncs.delete': (input) => system.syncs.delete(input.id),
    'syncs.validate': (input) => ('id' in input ? system.syncs.validate(input.id) : system.syncs.validateDraft(input.draft)),
    'syncs.plan': (input) => system.syncs.plan(input.id),
    'syncs.preview': (input) => system.syncs.preview(input.id),
    'syncs.run': (input) => system.syncs.run(input.id, 'manual', { allowDeletes: input.allowDeletes === true, previewed: input.previewed }),
    'mappings.export': (input, ctx) => {
      // A sealed export opens every saved secret for a passphrase the caller chose: over HTTP that
      // would make the API token a key to all of them, so it is the server owner's explicit choice.
      if (input.secrets === 'seal' && ctx.transport === 'http' && !system.config()['server.allow_sealed_export']) {
        throw new AppError(
          'FORBIDDEN',
          'Sealed exports are refused over HTTP: whoever holds the API token could read every saved secret with one. Run `db-taxi export --seal` on the data dir, or set server.allow_sealed_export (DBT_SERVER_ALLOW_SEALED_EXPORT=true).'
        )
      }
      return system.mappings.export(input)
    },
    // Through the API a document's references take their values from the call only: a server never
    // reads its own environment or files for a caller (that would hand them its secrets).
    'mappings.import': (input) => system.mappings.import(input, callerReferences(input.references)),
    'mappings.apply': (input) => system.mappings.apply(input, callerReferences(input.references)),
    'mappings.validate': (input) => system.mappings.validate(input.syncIds),
    'schedules.preview': (input) => previewSchedule(input.schedule, input.count ?? 5),
    'jobs.list': (input) => system.jobs.list(input),
    'jobs.get': (input) => system.jobs.get(input.id),
    'jobs.cancel': (input) => system.jobs.cancel(input.id),
    'jobs.retry': (input) => system.jobs.retry(input.id),
    'jobs.resume': (input) => system.jobs.resume(input.id),
    'jobs.logs': (input) => {
      system.jobs.get(input.id)
      return system.jobs.repo.logs(input.id, input.afterId ?? 0, input.limit ?? 500)
    }
  }
}
