import type { Method, MethodOutput, ParsedInput } from '../../shared/contract'
import type { SyncSystem } from '../sync/system'

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
    'connections.columns': (input) => system.connections.columns(input)
  }
}
