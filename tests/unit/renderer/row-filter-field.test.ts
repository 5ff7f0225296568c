import { describe, expect, it } from 'vitest'
import { allStepErrors, emptyWizard, filterError, firstStepWithError, stepErrors, withOverride, type WizardState } from '../../../src/renderer/src/syncs/wizard-model'

/** The wizard checks a table's row filter as it is typed, with the server's own check. */

function withFilter(where: string, selection: WizardState['selection'] = 'list'): WizardState {
  const s: WizardState = {
    ...emptyWizard(),
    name: 'copy',
    sourceConnectionId: 'src',
    sourceDatabase: 'shop',
    targetConnectionId: 'dst',
    targetDatabase: 'reporting',
    selection,
    selected: ['orders']
  }
  return withOverride(s, 'orders', { where })
}

describe('the wizard checks row filters inline', () => {
  it('blocks the tables step on a refused filter, naming the part, under the filter field', () => {
    const e = stepErrors(withFilter('`sleep`(3)=0'), 'tables')
    expect(e).toEqual({ 'tables.orders.where': 'The filter of orders is refused: the function SLEEP is not allowed in a row filter.' })
    expect(firstStepWithError(allStepErrors(withFilter('@@version IS NOT NULL')))).toBe('tables')
    expect(stepErrors(withFilter("status = 'paid' /*!50000 OR sleep(1) */", 'all'), 'tables')['tables.orders.where']).toMatch(/comment/)
  })

  it('lets a good filter, or none, through', () => {
    expect(stepErrors(withFilter('created_at >= NOW() - INTERVAL 30 DAY'), 'tables')).toEqual({})
    expect(stepErrors(withFilter('   '), 'tables')).toEqual({})
  })

  it('names an unknown column once the table columns are known, with the closest name', () => {
    expect(filterError('orders', 'amout > 1', ['id', 'amount'])).toBe(
      'The filter of orders is refused: the column amout does not exist in orders (did you mean amount?).'
    )
    expect(filterError('orders', 'amount > 1', ['id', 'amount'])).toBeUndefined()
    // Before they are loaded, names are not judged.
    expect(filterError('orders', 'amout > 1')).toBeUndefined()
  })
})
