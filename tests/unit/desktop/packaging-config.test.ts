import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

// electron-builder.yml and the afterPack check, without running electron-builder (the packaging
// smoke test in tests/integration/packaging runs it).
const root = resolve(__dirname, '..', '..', '..')
interface BuilderConfig {
  electronFuses: Record<string, boolean>
  linux: { target: string[]; icon: string }
  win: { target: string[]; icon: string }
  mac: { target: string[]; icon: string }
  files: string[]
  asarUnpack: string[]
  npmRebuild: boolean
  afterPack: string
  extraResources: unknown[]
}
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig
const { checkResources } = createRequire(__filename)(join(root, 'scripts', 'packaging', 'after-pack.cjs')) as {
  checkResources(dir: string, platform: string, arch: string): string[]
}

describe('electron-builder.yml', () => {
  it('sets every security fuse the issue names, and only those', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false
    })
  })

  it('makes AppImage and deb, NSIS and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.mac.target).toEqual(['dmg'])
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) expect(existsSync(join(root, icon)), icon).toBe(true)
  })

  it('packs the built bundles, unpacks the native module, copies the tray icons, and rebuilds nothing (N-API)', () => {
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'out/main/**', 'out/preload/**', 'out/renderer/**', '!**/*.map']))
    expect(config.files.some((f) => f.startsWith('src') || f.startsWith('tests'))).toBe(false)
    expect(config.asarUnpack).toEqual(['node_modules/better-sqlite3/prebuilds/*.node'])
    expect(config.npmRebuild).toBe(false)
    expect(config.afterPack).toBe('scripts/packaging/after-pack.cjs')
    expect(config.extraResources).toEqual([{ from: 'resources', to: 'resources', filter: ['tray-*.png', 'icon.png'] }])
  })
})

describe('the afterPack check', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = undefined
  })

  /** A packaged resources dir with the given prebuilds (name -> bytes) and tray icons. */
  function resources(prebuilds: Record<string, string>, icons = ['idle', 'running', 'failed'].map((s) => `tray-${s}.png`)): string {
    dir = mkdtempSync(join(tmpdir(), 'dbt-afterpack-'))
    const pre = join(dir, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'prebuilds')
    mkdirSync(pre, { recursive: true })
    for (const [name, bytes] of Object.entries(prebuilds)) writeFileSync(join(pre, name), bytes)
    mkdirSync(join(dir, 'resources'))
    for (const icon of icons) writeFileSync(join(dir, 'resources', icon), 'png')
    return dir
  }

  it('passes an N-API binding for the target with the tray icons', () => {
    expect(checkResources(resources({ 'linux-x64.node': '\x7fELF..napi_register_module_v1..' }), 'linux', 'x64')).toEqual([])
  })

  it('fails a missing binding, a NAN binding, bindings of other platforms and missing icons', () => {
    expect(checkResources(resources({}), 'linux', 'x64')).toEqual([expect.stringMatching(/linux-x64\.node is not unpacked/)])
    expect(checkResources(resources({ 'linux-x64.node': 'node_register_module_v150' }), 'linux', 'x64')).toEqual([
      expect.stringMatching(/not an N-API addon/),
      expect.stringMatching(/NAN/)
    ])
    expect(
      checkResources(resources({ 'linux-x64.node': 'napi_register_module_v1', 'win32-x64.node': 'napi_register_module_v1' }), 'linux', 'x64')
    ).toEqual([expect.stringMatching(/other platforms are packaged: win32-x64\.node/)])
    expect(checkResources(resources({ 'darwin-arm64.node': 'napi_register_module_v1' }), 'darwin', 'arm64')).toEqual(
      ['idle', 'running', 'failed'].map((s) => expect.stringContaining(`tray-${s}Template.png`))
    )
  })
})
