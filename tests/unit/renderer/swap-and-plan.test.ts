import { describe, expect, it } from 'vitest'
import type { SyncConfig, SyncPlan } from '../../../src/shared/syncs'
import { deadLeftovers, needsConfirmation, swapText } from '../../../src/renderer/src/syncs/summary'
import { emptyWizard, toCreateInput, wizardFromConfig } from '../../../src/renderer/src/syncs/wizard-model'
import { tableProgress } from '../../../src/renderer/src/jobs/progress'
import { verificationOf } from '../../../src/renderer/src/jobs/format'

/** The swap option in the wizard, and what the run confirmation asks about (issue 10 items 4, 6, 7, 8). */

const plan = (patch: Partial<SyncPlan> = {}): SyncPlan => ({
  syncId: 's',
  sourceDatabase: 'a',
  targetDatabase: 'b',
  tables: [],
  replaces: [],
  swap: 'together',
  problems: [],
  notes: [],
  leftovers: [],
  ...patch
})

describe('swap option and run confirmation', () => {
  it('the wizard sends swap only when it differs from the default, and reads it back', () => {
    const s = emptyWizard()
    expect(s.options.swap).toBe('together')
    expect(toCreateInput(s).options?.swap).toBeUndefined()
    const each = { ...s, options: { ...s.options, swap: 'each' as const } }
    expect(toCreateInput(each).options?.swap).toBe('each')
    const saved = { ...toCreateInput(each), id: 'x', createdAt: '', updatedAt: '', schedule: null, lastJob: null } as SyncConfig
    expect(wizardFromConfig(saved).options.swap).toBe('each')
  })

  it('asks first when the preflight would refuse the run or dead runs left tables behind', () => {
    expect(needsConfirmation(plan())).toBe(false)
    expect(needsConfirmation(plan({ problems: [{ code: 'VALIDATION', message: 'no' }] }))).toBe(true)
    const dead = { tag: 'xabc12', state: 'dead' as const, reason: 'r', tables: ['_dbt_new_xabc12_t'], queries: 0 }
    const live = { ...dead, tag: 'xdef34', state: 'live' as const }
    expect(needsConfirmation(plan({ leftovers: [live] }))).toBe(false)
    expect(needsConfirmation(plan({ leftovers: [live, dead] }))).toBe(true)
    expect(deadLeftovers(plan({ leftovers: [live, dead] }))).toEqual([dead])
  })

  it('says how the tables will be switched in', () => {
    const two = plan({ tables: [{ source: 'a' }, { source: 'b' }] as SyncPlan['tables'] })
    expect(swapText(two)).toContain('one atomic RENAME')
    expect(swapText(two)).toContain('every target table stays as it was')
    expect(swapText({ ...two, swap: 'each' })).toContain('as soon as it is loaded')
  })

  it('ready and cancelled tables read as what they are', () => {
    expect(tableProgress({ status: 'ready', rowsWritten: 5, rowsEstimated: 10 })).toMatchObject({ percent: 100, active: false })
    expect(tableProgress({ status: 'cancelled', rowsWritten: 5, rowsEstimated: 10 })).toMatchObject({ percent: 50, active: false, color: 'orange' })
    expect(verificationOf({ status: 'cancelled', verified: null })).toEqual({ kind: 'none', text: 'not verified' })
  })
})
