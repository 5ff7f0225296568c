import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

// electron-builder.cjs and the afterPack check, without running electron-builder (the packaging
// smoke test in tests/integration/packaging runs it).
const root = resolve(__dirname, '..', '..', '..')
interface PlatformConfig {
  target: string[]
  icon: string
  files: string[]
  executableName?: string
}
interface BuilderConfig {
  electronFuses: Record<string, boolean>
  linux: PlatformConfig
  win: PlatformConfig
  mac: PlatformConfig
  files?: string[]
  asarUnpack: string[]
  npmRebuild: boolean
  afterPack: string
  extraResources: unknown[]
}
const load = createRequire(__filename)
const config = load(join(root, 'electron-builder.cjs')) as BuilderConfig
const { checkResources } = load(join(root, 'scripts', 'packaging', 'after-pack.cjs')) as {
  checkResources(dir: string, platform: string, arch: string): string[]
}
// The matcher electron-builder itself uses, with its options, so the test reads the patterns as it does.
const { Minimatch } = load(load.resolve('minimatch', { paths: [join(root, 'node_modules', 'app-builder-lib')] })) as {
  Minimatch: new (pattern: string, options: { dot: boolean }) => { match(path: string): boolean; negate: boolean }
}

/** The prebuilds a system's file list keeps for an arch, as electron-builder reads its `!` patterns. */
function keptPrebuilds(files: string[], arch: string): string[] {
  const negations = files
    .filter((f) => f.startsWith('!node_modules/better-sqlite3/'))
    .map((f) => new Minimatch(f.slice(1).replaceAll('${arch}', arch), { dot: true }))
  const prebuilds = readdirSync(join(root, 'node_modules', 'better-sqlite3', 'prebuilds'))
  return prebuilds.filter((name) => !negations.some((m) => m.match(`node_modules/better-sqlite3/prebuilds/${name}`)))
}

describe('electron-builder.cjs', () => {
  it('sets every security fuse the issue names, and only those', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      resetAdHocDarwinSignature: true
    })
  })

  it('makes AppImage and deb, NSIS and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.mac.target).toEqual(['dmg'])
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) expect(existsSync(join(root, icon)), icon).toBe(true)
  })

  it('packs the built bundles, unpacks the native module, copies the tray icons, and rebuilds nothing (N-API)', () => {
    expect(config.asarUnpack).toEqual(['node_modules/better-sqlite3/prebuilds/*.node'])
    expect(config.npmRebuild).toBe(false)
    expect(config.afterPack).toBe('scripts/packaging/after-pack.cjs')
    // No top-level list: a system's own `files` next to it would be a second file set, and one that only
    // excludes copies the whole project.
    expect(config.files).toBeUndefined()
    // ${platform} is the build machine's, wrong for a cross build.
    expect(JSON.stringify(config)).not.toContain('${platform}')
    for (const system of [config.linux, config.win, config.mac]) {
      expect(system.files).toEqual(expect.arrayContaining(['package.json', 'out/main/**', 'out/preload/**', 'out/renderer/**', '!**/*.map']))
      expect(system.files.some((f) => /^(src|tests|bench|scripts)\b/.test(f))).toBe(false)
      // Below node_modules only exclusions count (electron-builder adds the production dependencies).
      expect(system.files.filter((f) => f.startsWith('node_modules/'))).toEqual([])
    }
    expect(config.linux.executableName).toBe('db-taxi')
    expect(config.extraResources).toEqual([{ from: 'resources', to: 'resources', filter: ['tray-*.png', 'icon.png'] }])
  })

  it("keeps only the target's own better-sqlite3 binding on each system and arch", () => {
    expect(keptPrebuilds(config.linux.files, 'x64')).toEqual(['linux-x64.node'])
    expect(keptPrebuilds(config.linux.files, 'arm64')).toEqual(['linux-arm64.node'])
    expect(keptPrebuilds(config.win.files, 'x64')).toEqual(['win32-x64.node'])
    expect(keptPrebuilds(config.win.files, 'arm64')).toEqual(['win32-arm64.node'])
    expect(keptPrebuilds(config.mac.files, 'x64')).toEqual(['darwin-x64.node'])
    expect(keptPrebuilds(config.mac.files, 'arm64')).toEqual(['darwin-arm64.node'])
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
