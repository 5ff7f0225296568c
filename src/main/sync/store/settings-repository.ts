import type { Db } from './database'

/** The "settings" config layer: values saved from the UI, as JSON, keyed by config key. */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  all(): Record<string, unknown> {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]))
  }

  /** Applies all changes in one transaction; `null` deletes the saved value. */
  save(values: Record<string, unknown>): void {
    const upsert = this.db.prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
    )
    const del = this.db.prepare('DELETE FROM settings WHERE key = ?')
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(values)) {
        if (value === null) del.run(key)
        else upsert.run(key, JSON.stringify(value), Date.now())
      }
    })()
  }
}
