import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDispatcher } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { desktopLayers } from '../../../src/main/desktop/lifecycle'
import { SafeStorageSecretBox, type SafeStorageLike } from '../../../src/main/desktop/safe-storage-box'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { ConnectionInfo, Envelope } from '../../../src/shared/contract'

/** The desktop box inside a real (temp) sync system, as lifecycle.ts wires it; no MySQL needed. */

const fake = (backend: 'basic_text' | 'gnome_libsecret'): SafeStorageLike => ({
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => backend,
  encryptString: (text: string) => Buffer.concat([Buffer.from('v11'), Buffer.from(text).map((b) => b ^ 0x33)]),
  decryptString: (buf: Buffer) => Buffer.from(buf.subarray(3).map((b) => b ^ 0x33)).toString()
})

let dataDir: string
const systems: SyncSystem[] = []

function start(backend: 'basic_text' | 'gnome_libsecret'): SyncSystem {
  const s = createSyncSystem({
    layers: desktopLayers({}, dataDir),
    mode: 'desktop',
    consoleLog: false,
    secretBox: new SafeStorageSecretBox(fake(backend), 'linux')
  })
  systems.push(s)
  return s
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dbt-desktop-box-'))
})
afterEach(async () => {
  for (const s of systems.splice(0)) await s.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
}

describe('the desktop secret box in the sync system', () => {
  it('seals connection secrets with safeStorage, opens them after a restart, and writes no key file', async () => {
    const system = start('gnome_libsecret')
    const dispatch = createDispatcher(createHandlers(system), system.logger)
    const created = (await dispatch('connections.create', { name: 'prod', host: '127.0.0.1', user: 'app', password: 'Distinctive-PW-4711' })) as Envelope<ConnectionInfo>
    expect(created.ok).toBe(true)
    const id = created.ok ? created.data.id : ''
    const row = system.db.prepare('SELECT secrets FROM connections WHERE id = ?').get(id) as { secrets: Buffer }
    expect(row.secrets.subarray(0, 4).toString('ascii')).toBe('DBTE')
    await system.stop()

    const again = start('gnome_libsecret')
    expect(again.connections.resolve(id).password).toBe('Distinctive-PW-4711')
    await again.stop()
    // safeStorage holds the key: the headless key file is never created in the desktop data dir.
    expect(existsSync(join(dataDir, 'secret.key'))).toBe(false)
    for (const f of filesUnder(dataDir)) expect(readFileSync(f).includes('Distinctive-PW-4711')).toBe(false)
  })

  it('logs the plain-text fallback warning at start', async () => {
    const system = start('basic_text')
    expect(system.connections.secretBox.warning).toMatch(/No system keyring/)
    await system.stop()
    const log = filesUnder(join(dataDir, 'logs'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
    expect(log).toMatch(/secrets: No system keyring/)
  })
})
