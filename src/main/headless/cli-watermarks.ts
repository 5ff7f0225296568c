import { join } from 'node:path'
import { effectiveConfig, type ConfigLayers } from '../sync/config/layers'
import { prepareDataDir } from '../sync/store/data-dir'
import { openStore } from '../sync/store/database'
import { WatermarkRepository } from '../sync/store/watermark-repository'
import type { WatermarkStore } from '../sync/engine/types'

/**
 * Where one-shot `db-taxi sync` runs keep their incremental watermarks: the data dir's metadata
 * store (`--data-dir`, DBT_DATA_DIR or the config file, as for `serve`), in the `cli` scope, keyed
 * by the servers' identities, databases and tables. Opened only when a run has incremental tables,
 * so a plain full copy from cron creates no data dir.
 */
export interface CliWatermarks {
  store: WatermarkStore
  /** sync.incremental_lag in seconds, from the same layers. */
  lagSeconds: number
  dataDir: string
  close(): void
}

export function openCliWatermarks(layers: ConfigLayers): CliWatermarks {
  const eff = effectiveConfig(layers)
  const dataDir = eff.config.data_dir
  prepareDataDir(dataDir, eff.origins.data_dir ?? 'the default data_dir')
  const { db } = openStore({ path: join(dataDir, 'db-taxi.sqlite') })
  const repo = new WatermarkRepository(db)
  return {
    store: repo.store('cli', null),
    lagSeconds: eff.config['sync.incremental_lag'] / 1000,
    dataDir,
    close: () => db.close()
  }
}
