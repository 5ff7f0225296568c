import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import { createDispatcher } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'

const systems: SyncSystem[] = []
afterEach(async () => {
  for (const s of systems.splice(0)) await s.stop(2000)
})

function boot(env: NodeJS.ProcessEnv, dataDir: string): SyncSystem {
  const s = createSyncSystem({ layers: loadBootLayers({ env: { ...env, DBT_DATA_DIR: dataDir } }), mode: 'headless', consoleLog: false })
  systems.push(s)
  return s
}

describe('settings through the contract', () => {
  it('saves, applies, survives a restart, and reports overrides by flags and variables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbt-settings-'))
    const s1 = boot({ DBT_SYNC_RETRY_ATTEMPTS: '9' }, dir)
    await s1.start()
    const dispatch = createDispatcher(createHandlers(s1), s1.logger)

    const saved = await dispatch('settings.update', {
      values: { 'sync.max_concurrency': 4, 'sync.retry_delay': 1500, 'sync.retry_attempts': 1, 'server.port': 9999 }
    })
    expect(saved.ok).toBe(true)
    expect(s1.config()['sync.max_concurrency']).toBe(4)
    expect(s1.config()['sync.retry_delay']).toBe(1500)
    // The environment wins over the saved value, and the view says so.
    expect(s1.config()['sync.retry_attempts']).toBe(9)
    if (saved.ok) {
      const attempts = saved.data.settings.find((e) => e.key === 'sync.retry_attempts')!
      expect(attempts).toMatchObject({ value: 9, saved: 1, source: 'env', overridden: true, overriddenBy: 'DBT_SYNC_RETRY_ATTEMPTS' })
      expect(saved.data.pendingRestart).toEqual(['server.port'])
      const token = saved.data.settings.find((e) => e.key === 'server.token')!
      expect(token.value).toBeNull()
      expect(token.editable).toBe(false)
    }

    const bad = await dispatch('settings.update', { values: { 'sync.max_concurrency': 0, 'sync.retry_delay': 'soon' } })
    expect(bad.ok === false && bad.error.code).toBe('VALIDATION')
    expect(s1.config()['sync.max_concurrency']).toBe(4)

    const reset = await dispatch('settings.update', { values: { 'sync.retry_delay': null } })
    expect(reset.ok).toBe(true)
    expect(s1.config()['sync.retry_delay']).toBe(2000)
    await s1.stop(2000)

    const s2 = boot({}, dir)
    expect(s2.migrations.applied).toEqual([])
    expect(s2.config()['sync.max_concurrency']).toBe(4)
    expect(s2.settings.effectiveConfig().sources['sync.max_concurrency']).toBe('settings')
    expect(s2.config()['sync.retry_attempts']).toBe(1)
  })

  it('reports store and sync state in system.status', async () => {
    const s = boot({}, mkdtempSync(join(tmpdir(), 'dbt-status-')))
    expect(s.status().sync.state).toBe('stopped')
    await s.start()
    const st = s.status()
    expect(st.store.ok).toBe(true)
    expect(st.sync).toEqual({ ok: true, enabled: true, state: 'running' })
    expect(st.counters.jobs.total).toBe(0)
    expect(s.syncStatus().ok).toBe(true)
  })
})
