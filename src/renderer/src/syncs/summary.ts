import type { ConnectionInfo } from '../../../shared/connections'
import type { ScheduleInfo, ScheduleInput, SwapMode, SyncConfig, SyncPlan, SyncPlanTable, WritePathOption } from '../../../shared/syncs'
import type { OnExists } from './wizard-model'

/** How sync configs and plans read on the Syncs page. Pure, unit-tested. */

/** `3 tables`, `all tables`, `all tables matching orders_*, items_*`, `... except tmp_*`. */
export function tablesSummary(c: Pick<SyncConfig, 'tables' | 'allTables'>): string {
  if (c.allTables) {
    const inc = c.allTables.include ?? []
    const exc = c.allTables.exclude ?? []
    let text = inc.length ? `all tables matching ${inc.join(', ')}` : 'all tables'
    if (exc.length) text += ` except ${exc.join(', ')}`
    return text
  }
  const n = c.tables?.length ?? 0
  if (n === 1) return `1 table (${c.tables![0]!.source})`
  return `${n} tables`
}

/** `name (host:port)` or the bare id when the connection was deleted. */
export function connectionLabel(id: string, connections: ConnectionInfo[] | null): string {
  const c = connections?.find((x) => x.id === id)
  return c ? c.name : `unknown connection ${id.slice(0, 8)}`
}

export const ON_EXISTS_TEXT: Record<OnExists, { label: string; description: string }> = {
  replace: {
    label: 'Replace',
    description: 'Load into a new table, then swap it in atomically. Readers never see an empty or half-filled table; the old one stays untouched if the run fails.'
  },
  truncate: {
    label: 'Truncate',
    description: 'Empty the existing table, then load. Keeps its definition; the table is empty or partial while the run goes on.'
  },
  append: {
    label: 'Append',
    description: 'Add the rows to the existing table and keep what is there. Not verified (the target holds more than the source).'
  },
  fail: { label: 'Fail', description: 'Stop with an error if a target table exists. Only ever creates new tables.' }
}

export const WRITE_PATH_TEXT: Record<WritePathOption, { label: string; description: string }> = {
  auto: {
    label: 'Automatic (default)',
    description: 'The fastest the target offers: array binding on MariaDB, LOAD DATA where local_infile allows it, else multi-row INSERT.'
  },
  bulk: {
    label: 'Array binding (MariaDB)',
    description: 'One prepared INSERT for thousands of rows per packet; the target parses no SQL or text per row. MariaDB 10.2 and later.'
  },
  'load-data': {
    label: 'LOAD DATA LOCAL INFILE',
    description: 'Rows streamed as text the source server renders. Needs local_infile on the target.'
  },
  insert: {
    label: 'Multi-row INSERT',
    description: 'Works everywhere, including behind proxies that support neither of the others; the slowest.'
  }
}

export const SWAP_TEXT: Record<SwapMode, { label: string; description: string }> = {
  together: {
    label: 'All tables together (default)',
    description:
      'Every table is loaded and verified under another name, then all are switched in with one atomic RENAME: readers see every table change at the same moment, and if one table fails, none is changed.'
  },
  each: {
    label: 'Each table when it is ready',
    description: 'A table is switched in as soon as it is loaded and verified; if a later table fails, the ones before it stay switched in.'
  }
}

export const PLAN_ACTION_COLOR: Record<SyncPlanTable['action'], string> = {
  create: 'green',
  replace: 'orange',
  truncate: 'red',
  append: 'blue',
  fail: 'red',
  skip: 'gray',
  upsert: 'teal',
  diff: 'grape'
}

/** Existing target tables a run will change or refuse; the Run button asks first when there are any. */
export function tablesToConfirm(plan: SyncPlan): SyncPlanTable[] {
  const named = new Set(plan.replaces)
  return plan.tables.filter((t) => named.has(t.target) || (t.targetExists && (t.action === 'replace' || t.action === 'truncate' || t.action === 'fail')))
}

/** The Run button asks first when tables would change, the run would be refused, or leftovers are to be cleared. */
export function needsConfirmation(plan: SyncPlan): boolean {
  return tablesToConfirm(plan).length > 0 || plan.problems.length > 0 || deadLeftovers(plan).length > 0
}

/** What runs that died left on the target: the run clears these before it starts. */
export function deadLeftovers(plan: SyncPlan): SyncPlan['leftovers'] {
  return plan.leftovers.filter((l) => l.state === 'dead')
}

/** How the tables of a run are switched in, for the confirmation. */
export function swapText(plan: Pick<SyncPlan, 'swap' | 'tables'>): string {
  if (plan.swap === 'each') return 'Each table is switched in as soon as it is loaded and verified; if one fails, the others that finished stay switched in.'
  return plan.tables.length > 1
    ? 'All tables are switched in together, in one atomic RENAME, once every one is loaded and verified: readers see the old rows until then, and if any table fails, every target table stays as it was.'
    : 'The table is loaded under another name and switched in with one atomic RENAME once it is verified: readers see the old rows until then.'
}

/** The schedule column: description and next run, or why there is none. */
export function scheduleSummary(c: Pick<SyncConfig, 'schedule'>): { text: string; next: string | null; paused: boolean } {
  const s = c.schedule
  if (!s) return { text: 'manual only', next: null, paused: false }
  return { text: s.description, next: s.enabled ? s.nextRunAt : null, paused: !s.enabled }
}

/** A saved schedule as `syncs.update` takes it back, switched on or off (pause in place on the Syncs page). */
export function scheduleWithEnabled(s: ScheduleInfo, enabled: boolean): ScheduleInput {
  return s.kind === 'cron'
    ? { kind: 'cron', cron: s.cron ?? '', ...(s.timezone ? { timezone: s.timezone } : {}), catchUp: s.catchUp, enabled }
    : { kind: 'interval', every: s.every ?? '', catchUp: s.catchUp, enabled }
}
