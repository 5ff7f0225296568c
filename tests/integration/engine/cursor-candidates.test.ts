import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cursorCandidates } from '../../../src/main/sync/engine/schema/cursor-candidates'
import { createTestDatabase } from '../../helpers/mariadb'
import { connect } from './support'

/** The cursor suggestion read from a real server's information_schema (issue 13 item 1). */
describe('cursorCandidates', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let c: Connection
  beforeAll(async () => {
    db = await createTestDatabase('cursors')
    c = await connect(db.addr, db.name)
    await c.query(`CREATE TABLE orders (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      created_at DATETIME(6) NOT NULL,
      updated_at DATETIME(6) NULL,
      changed TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
      note VARCHAR(20),
      KEY by_updated (updated_at), KEY by_created (created_at, id))`)
    await c.query('CREATE TABLE events (tenant INT NOT NULL, seq INT NOT NULL, at DATE NOT NULL, PRIMARY KEY (tenant, seq))')
  })
  afterAll(async () => {
    await c?.end()
    await db?.drop()
  })

  it('ranks the server-maintained timestamp first, and says what each candidate costs', async () => {
    const ranked = await cursorCandidates(c, db.name, 'orders')
    expect(ranked.map((x) => x.columns[0])).toEqual(['changed', 'updated_at', 'id', 'created_at'])
    const [changed, updated] = ranked
    expect(changed!.reason).toMatch(/ON UPDATE CURRENT_TIMESTAMP/)
    // `changed` leads no index on this table: the wizard says so.
    expect(changed!.caveats.join(' ')).toMatch(/leads no index/)
    expect(updated!.caveats.join(' ')).toMatch(/may be NULL/)
    expect(ranked.find((x) => x.columns[0] === 'created_at')!.caveats.join(' ')).not.toMatch(/leads no index/)
  })

  it('offers nothing for a table with a composite key and no time of day', async () => {
    expect(await cursorCandidates(c, db.name, 'events')).toEqual([])
  })
})
