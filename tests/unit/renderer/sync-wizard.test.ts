import { describe, expect, it } from 'vitest'
import type { SyncConfig } from '../../../src/shared/syncs'
import { syncCreateSchema, syncUpdateSchema } from '../../../src/shared/syncs'
import {
  allStepErrors,
  emptyWizard,
  filterTables,
  firstStepWithError,
  globToRegExp,
  mappingsOf,
  matchesGlobs,
  saveErrorsOf,
  selectAllState,
  stepErrors,
  stepOfField,
  tableOfField,
  toCreateInput,
  toUpdateInput,
  withOverride,
  withSelected,
  wizardFromConfig,
  type WizardState
} from '../../../src/renderer/src/syncs/wizard-model'
import { connectionLabel, needsConfirmation, scheduleSummary, tablesSummary, tablesToConfirm } from '../../../src/renderer/src/syncs/summary'
import type { SyncPlan, SyncPlanTable } from '../../../src/shared/syncs'

function filled(patch: Partial<WizardState> = {}): WizardState {
  return {
    ...emptyWizard(),
    name: ' orders copy ',
    sourceConnectionId: 'src',
    sourceDatabase: 'shop',
    targetConnectionId: 'dst',
    targetDatabase: ' reporting ',
    selected: ['orders', 'items'],
    ...patch
  }
}

describe('wizard state -> syncs.create input', () => {
  it('sends only what differs from "copy as is", trimmed, in the order the tables were picked', () => {
    let s = filled()
    s = withOverride(s, 'orders', { target: 'orders_copy', where: "  status = 'paid'  ", excludeColumns: ['note'] })
    s = withOverride(s, 'items', { target: 'items' })
    const input = toCreateInput(s)
    expect(input).toEqual({
      name: 'orders copy',
      sourceConnectionId: 'src',
      targetConnectionId: 'dst',
      sourceDatabase: 'shop',
      targetDatabase: 'reporting',
      tables: [{ source: 'orders', target: 'orders_copy', where: "status = 'paid'", excludeColumns: ['note'] }, { source: 'items' }],
      options: { onExists: 'replace', createMissing: true, recreateOnMismatch: false, verify: true },
      schedule: null
    })
    expect(syncCreateSchema.safeParse(input).success).toBe(true)
  })

  it('all tables: globs, and only the tables that have settings as overrides', () => {
    let s = filled({ selection: 'all', include: ['orders_*'], exclude: ['tmp?'] })
    s = withOverride(s, 'orders_2024', { where: 'id > 5' })
    s = withOverride(s, 'orders_2023', { target: '' })
    const input = toCreateInput(s)
    expect(input.allTables).toEqual({ include: ['orders_*'], exclude: ['tmp?'] })
    expect(input.tables).toEqual([{ source: 'orders_2024', where: 'id > 5' }])
    expect(syncCreateSchema.safeParse(input).success).toBe(true)
    expect(toCreateInput(filled({ selection: 'all' })).allTables).toEqual({})
  })

  it('options: numbers when set, objects only when one is on', () => {
    const s = filled()
    s.options = { ...s.options, chunkRows: 5000, parallelism: 4, onExists: 'truncate', recreateOnMismatch: true, triggers: true }
    expect(toCreateInput(s).options).toEqual({
      onExists: 'truncate',
      createMissing: true,
      recreateOnMismatch: true,
      verify: true,
      chunkRows: 5000,
      parallelism: 4,
      objects: { views: false, triggers: true, routines: false }
    })
  })

  it('write path: sent only when one is insisted on, and accepted by the schema', () => {
    const s = filled()
    expect(toCreateInput(s).options).not.toHaveProperty('writePath')
    s.options = { ...s.options, writePath: 'load-data' }
    const input = toCreateInput(s)
    expect(input.options).toMatchObject({ writePath: 'load-data' })
    expect(syncCreateSchema.safeParse(input).success).toBe(true)
    expect(syncCreateSchema.safeParse({ ...input, options: { writePath: 'copy' } }).success).toBe(false)
    expect(wizardFromConfig({ id: 'x', ...input, options: { writePath: 'insert' }, createdAt: 0, updatedAt: 0 } as unknown as SyncConfig).options.writePath).toBe('insert')
    expect(wizardFromConfig({ id: 'x', ...input, options: {}, createdAt: 0, updatedAt: 0 } as unknown as SyncConfig).options.writePath).toBe('auto')
  })

  it('schedules: cron with or without a zone, intervals, none', () => {
    const cron = filled({ schedule: { kind: 'cron', cron: ' 0 2 * * * ', timezone: '', every: '6h', catchUp: true, enabled: true } })
    expect(toCreateInput(cron).schedule).toEqual({ kind: 'cron', cron: '0 2 * * *', catchUp: true, enabled: true })
    cron.schedule.timezone = 'Europe/Berlin'
    expect(toCreateInput(cron).schedule).toMatchObject({ timezone: 'Europe/Berlin' })
    const every = filled({ schedule: { kind: 'interval', cron: 'x', timezone: 'UTC', every: ' 15m ', catchUp: false, enabled: false } })
    expect(toCreateInput(every).schedule).toEqual({ kind: 'interval', every: '15m', catchUp: false, enabled: false })
    expect(syncCreateSchema.safeParse(toCreateInput(every)).success).toBe(true)
  })

  it('update input carries the id and every field', () => {
    const input = toUpdateInput(filled(), 'abc')
    expect(input).toMatchObject({ id: 'abc', name: 'orders copy', schedule: null })
    expect(syncUpdateSchema.safeParse(input).success).toBe(true)
  })
})

describe('saved config -> wizard state and back', () => {
  const saved: SyncConfig = {
    id: 's1',
    name: 'orders',
    sourceConnectionId: 'src',
    targetConnectionId: 'dst',
    sourceDatabase: 'shop',
    targetDatabase: 'reporting',
    tables: [
      { source: 'orders', target: 'orders_copy', where: 'id > 1', mode: 'full' },
      { source: 'items', target: 'items', mode: 'full', excludeColumns: ['blob'] },
      { source: 'events', mode: 'incremental', cursor: ['updated_at', 'id'] }
    ],
    options: { chunkRows: 1000, onExists: 'append', objects: { views: true } },
    schedule: { kind: 'cron', cron: '0 3 * * *', timezone: 'UTC', catchUp: true, enabled: false, description: 'At 03:00', nextRunAt: null, lastRunAt: null },
    createdAt: '',
    updatedAt: '',
    lastJob: null
  }

  it('round-trips', () => {
    const s = wizardFromConfig(saved)
    expect(s.selected).toEqual(['orders', 'items', 'events'])
    expect(s.overrides.items).toEqual({ target: '', where: '', excludeColumns: ['blob'], mode: 'full', cursor: [] })
    expect(s.overrides.events).toEqual({ target: '', where: '', excludeColumns: [], mode: 'incremental', cursor: ['updated_at', 'id'] })
    expect(s.options).toMatchObject({ chunkRows: 1000, parallelism: '', onExists: 'append', views: true, triggers: false, verify: true })
    expect(s.schedule).toEqual({ kind: 'cron', cron: '0 3 * * *', timezone: 'UTC', every: '6h', catchUp: true, enabled: false })
    const input = toCreateInput(s)
    expect(input.tables).toEqual([
      { source: 'orders', target: 'orders_copy', where: 'id > 1' },
      { source: 'items', excludeColumns: ['blob'] },
      { source: 'events', mode: 'incremental', cursor: ['updated_at', 'id'] }
    ])
    // An incremental table needs its cursor, and a cursor cannot be a column left out.
    const noCursor = { ...s, overrides: { ...s.overrides, events: { ...s.overrides.events!, cursor: [] } } }
    expect(stepErrors(noCursor, 'tables')).toEqual({ 'tables.events.cursor': 'Choose the cursor column the table is read by' })
    const excluded = { ...s, overrides: { ...s.overrides, events: { ...s.overrides.events!, excludeColumns: ['id'] } } }
    expect(stepErrors(excluded, 'tables')).toEqual({ 'tables.events.cursor': 'The cursor cannot be a column left out' })
    expect(input.schedule).toEqual({ kind: 'cron', cron: '0 3 * * *', timezone: 'UTC', catchUp: true, enabled: false })
  })

  it('all-tables configs and configs without a schedule', () => {
    const s = wizardFromConfig({ ...saved, tables: [], allTables: { include: ['a*'] }, schedule: null })
    expect(s.selection).toBe('all')
    expect(s.include).toEqual(['a*'])
    expect(s.exclude).toEqual([])
    expect(s.schedule.kind).toBe('none')
  })
})

describe('step checks', () => {
  it('endpoints: every field named', () => {
    expect(Object.keys(stepErrors(emptyWizard(), 'endpoints')).sort()).toEqual(
      ['name', 'sourceConnectionId', 'sourceDatabase', 'targetConnectionId', 'targetDatabase'].sort()
    )
    expect(stepErrors(filled(), 'endpoints')).toEqual({})
    expect(stepErrors(filled({ targetDatabase: 'x'.repeat(65) }), 'endpoints').targetDatabase).toMatch(/64/)
  })

  it('tables: something chosen, no two tables onto one target, patterns that match', () => {
    expect(stepErrors(filled({ selected: [] }), 'tables').tables).toBeDefined()
    const clash = withOverride(filled(), 'items', { target: 'orders' })
    expect(stepErrors(clash, 'tables')['tables.items.target']).toMatch(/orders is copied into orders/)
    const all = filled({ selection: 'all', include: ['nope*'] })
    expect(stepErrors(all, 'tables', ['orders', 'items']).allTables).toBeDefined()
    expect(stepErrors(all, 'tables', null)).toEqual({})
    expect(stepErrors({ ...all, include: ['ord*'] }, 'tables', ['orders'])).toEqual({})
  })

  it('options and schedule bounds', () => {
    const s = filled()
    s.options = { ...s.options, chunkRows: 0, parallelism: 33 }
    expect(Object.keys(stepErrors(s, 'options'))).toEqual(['options.chunkRows', 'options.parallelism'])
    expect(stepErrors(filled({ schedule: { ...emptyWizard().schedule, kind: 'cron', cron: ' ' } }), 'schedule')['schedule.cron']).toBeDefined()
    expect(stepErrors(filled({ schedule: { ...emptyWizard().schedule, kind: 'interval', every: '' } }), 'schedule')['schedule.every']).toBeDefined()
  })

  it('the first step with an error, and which step shows a field', () => {
    expect(firstStepWithError(allStepErrors(filled({ name: '', selected: [] })))).toBe('endpoints')
    expect(firstStepWithError({ 'tables.orders.where': 'x', 'schedule.cron': 'y' })).toBe('tables')
    expect(firstStepWithError({})).toBeNull()
    expect(stepOfField('options.chunkRows')).toBe('options')
    expect(stepOfField('schedule.timezone')).toBe('schedule')
    expect(stepOfField('allTables')).toBe('tables')
    expect(stepOfField('targetConnectionId')).toBe('endpoints')
    expect(tableOfField('tables.my.table.where')).toBe('my.table')
    expect(tableOfField('tables')).toBeNull()
  })
})

describe('server refusals onto fields', () => {
  const sent = { tables: [{ source: 'orders' }, { source: 'items' }] }

  it('a refused WHERE filter lands on its table', () => {
    const r = saveErrorsOf(
      {
        code: 'VALIDATION',
        message: 'The filter of orders is refused: it contains a statement separator (;).',
        details: { table: 'orders', filter: '1=1; DROP TABLE x' }
      },
      sent
    )
    expect(r).toEqual({ fields: { 'tables.orders.where': 'The filter of orders is refused: it contains a statement separator (;).' }, rest: [] })
  })

  it('zod issue paths index the sent tables', () => {
    const r = saveErrorsOf(
      {
        code: 'VALIDATION',
        message: 'Invalid input',
        details: {
          issues: [
            { path: 'tables.1.target', message: 'too long' },
            { path: 'name', message: 'name must not be empty' },
            { path: 'schedule.cron', message: 'bad cron' },
            { path: 'options.objects', message: 'weird' }
          ]
        }
      },
      sent
    )
    expect(r.fields).toEqual({ 'tables.items.target': 'Too long', name: 'Name must not be empty', 'schedule.cron': 'Bad cron' })
    expect(r.rest).toEqual(['options.objects: weird'])
  })

  it('a taken name, a read-only target, and anything else', () => {
    expect(saveErrorsOf({ code: 'CONFLICT', message: 'A sync named "x" exists.', details: { field: 'name' } }, sent).fields).toEqual({
      name: 'A sync named "x" exists.'
    })
    expect(saveErrorsOf({ code: 'READ_ONLY_TARGET', message: 'prod is read-only' }, sent).fields).toEqual({ targetConnectionId: 'prod is read-only' })
    expect(saveErrorsOf({ code: 'NOT_FOUND', message: 'No connection c1.' }, sent)).toEqual({ fields: {}, rest: ['No connection c1. (NOT_FOUND)'] })
    expect(saveErrorsOf({ code: 'VALIDATION', message: 'Tables a and b would both be copied into c.' }, sent).rest).toEqual([
      'Tables a and b would both be copied into c.'
    ])
    expect(saveErrorsOf({ code: 'VALIDATION', message: 'Unknown time zone "Mars/Base".' }, sent).fields).toEqual({
      'schedule.timezone': 'Unknown time zone "Mars/Base".'
    })
  })
})

describe('table list helpers', () => {
  it('select, unselect, select-all state, search', () => {
    let s = filled({ selected: ['b'] })
    s = withSelected(s, ['a', 'b', 'c'], true)
    expect(s.selected).toEqual(['b', 'a', 'c'])
    s = withSelected(s, ['b'], false)
    expect(s.selected).toEqual(['a', 'c'])
    expect(selectAllState(['a', 'c'], s.selected)).toBe('all')
    expect(selectAllState(['a', 'x'], s.selected)).toBe('some')
    expect(selectAllState(['x'], s.selected)).toBe('none')
    expect(selectAllState([], s.selected)).toBe('none')
    expect(filterTables([{ name: 'Orders' }, { name: 'items' }], ' ord ').map((t) => t.name)).toEqual(['Orders'])
    expect(filterTables([{ name: 'a' }], '')).toHaveLength(1)
  })

  it('globs match whole names, case-sensitively, like the server', () => {
    expect(globToRegExp('orders_*').test('orders_2024')).toBe(true)
    expect(globToRegExp('orders_*').test('xorders_2024')).toBe(false)
    expect(globToRegExp('tmp?').test('tmp1')).toBe(true)
    expect(globToRegExp('tmp?').test('tmp12')).toBe(false)
    expect(globToRegExp('a.b').test('axb')).toBe(false)
    expect(matchesGlobs('Orders', ['orders*'], [])).toBe(false)
    expect(matchesGlobs('anything', [], [])).toBe(true)
    expect(matchesGlobs('tmp1', [], ['tmp?'])).toBe(false)
    expect(mappingsOf(filled({ selected: ['x'] }))).toEqual([{ source: 'x' }])
  })
})

describe('sync summaries', () => {
  it('tables, schedule and connection labels', () => {
    expect(tablesSummary({ tables: [{ source: 'a' }, { source: 'b' }, { source: 'c' }] })).toBe('3 tables')
    expect(tablesSummary({ tables: [{ source: 'orders' }] })).toBe('1 table (orders)')
    expect(tablesSummary({ allTables: {} })).toBe('all tables')
    expect(tablesSummary({ allTables: { include: ['orders_*'] } })).toBe('all tables matching orders_*')
    expect(tablesSummary({ allTables: { include: ['a*', 'b*'], exclude: ['tmp_*'] } })).toBe('all tables matching a*, b* except tmp_*')
    expect(scheduleSummary({ schedule: null })).toEqual({ text: 'manual only', next: null, paused: false })
    const info = { kind: 'cron' as const, catchUp: false, enabled: false, description: 'At 02:00', nextRunAt: '2030-01-01T02:00:00Z', lastRunAt: null }
    expect(scheduleSummary({ schedule: info })).toEqual({ text: 'At 02:00', next: null, paused: true })
    expect(scheduleSummary({ schedule: { ...info, enabled: true } }).next).toBe('2030-01-01T02:00:00Z')
    expect(connectionLabel('c1', [{ id: 'c1', name: 'prod' } as never])).toBe('prod')
    expect(connectionLabel('abcdefghij', [])).toBe('unknown connection abcdefgh')
  })

  it('asks before a run that overwrites existing tables, not before one that only creates', () => {
    const t = (target: string, action: SyncPlanTable['action'], targetExists: boolean): SyncPlanTable => ({
      source: target,
      target,
      mode: 'full',
      action,
      targetExists,
      rowsEstimated: 1,
      keyless: false,
      ddl: '',
      notes: []
    })
    const plan = (tables: SyncPlanTable[], replaces: string[] = []): SyncPlan => ({ syncId: 's', sourceDatabase: 'a', targetDatabase: 'b', tables, replaces, swap: 'together', problems: [], notes: [], leftovers: [] })
    expect(needsConfirmation(plan([t('a', 'create', false), t('b', 'append', true)]))).toBe(false)
    expect(tablesToConfirm(plan([t('a', 'create', false), t('b', 'replace', true)], ['b'])).map((x) => x.target)).toEqual(['b'])
    expect(tablesToConfirm(plan([t('c', 'truncate', true)])).map((x) => x.target)).toEqual(['c'])
    expect(needsConfirmation(plan([t('d', 'fail', true)]))).toBe(true)
  })
})

describe('the target database a target connection suggests', () => {
  it("is the target connection's default database, never the source's name; a typed name stays", async () => {
    const { targetDatabaseFor } = await import('../../../src/renderer/src/syncs/wizard-model')
    const conn = (id: string, database: string | null) => ({ id, database }) as unknown as import('../../../src/shared/connections').ConnectionInfo
    const list = [conn('a', 'shop'), conn('b', 'reporting'), conn('c', null)]
    // Nothing typed: the chosen connection's default, or nothing (then the field asks for a name).
    expect(targetDatabaseFor({ targetDatabase: '', targetConnectionId: null }, 'b', list)).toBe('reporting')
    expect(targetDatabaseFor({ targetDatabase: '', targetConnectionId: null }, 'c', list)).toBe('')
    // The previous connection's default follows the new connection.
    expect(targetDatabaseFor({ targetDatabase: 'reporting', targetConnectionId: 'b' }, 'a', list)).toBe('shop')
    expect(targetDatabaseFor({ targetDatabase: 'reporting', targetConnectionId: 'b' }, 'c', list)).toBe('')
    // A name the user typed is theirs.
    expect(targetDatabaseFor({ targetDatabase: 'mine', targetConnectionId: 'b' }, 'a', list)).toBe('mine')
  })
})
