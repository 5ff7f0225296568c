import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as asar from '@electron/asar'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ELECTRON_DEFAULT_FUSES, makeElectronStandIn } from '../../helpers/electron-standin'

// The packaging smoke test (issue 14): electron-builder makes the unpacked Linux app of
// `npm run package` from the built bundles (out/, made by `npm run build`, a step before this one in
// `npm test`), against a stand-in Electron (no download), and the result is checked as a user's
// machine would need it: the bundles are in the asar, nothing that is not needed at run time is, the
// native module is unpacked and loads, the fuses are flipped, the size stays within budget.

const root = resolve(__dirname, '..', '..', '..')
const target = `${process.platform}-${process.arch}`

/** Size budget of the packaged app (without Electron itself); today about 16 MB + 2.4 MB. */
const ASAR_BUDGET_MB = 24
const UNPACKED_BUDGET_MB = 4

const mb = (bytes: number): number => bytes / 1024 / 1024

function dirSize(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    total += entry.isDirectory() ? dirSize(p) : statSync(p).size
  }
  return total
}

describe.skipIf(process.platform !== 'linux')('npm run package (unpacked Linux app, stand-in Electron)', () => {
  let work: string
  let appDir: string
  let archive: string
  let files: string[]
  let built: { status: number | null; output: string }

  beforeAll(() => {
    if (!existsSync(join(root, 'out', 'main', 'index.js'))) throw new Error('out/ is not built: run `npm run build` first')
    work = mkdtempSync(join(tmpdir(), 'dbt-package-'))
    const dist = makeElectronStandIn(join(work, 'electron-dist'))
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'electron-builder', 'cli.js'),
        '--linux',
        'dir',
        `-c.electronDist=${dist}`,
        `-c.directories.output=${join(work, 'dist')}`
      ],
      // No code signing lookups, no update checks; the build must not need the network.
      { cwd: root, encoding: 'utf8', timeout: 170_000, env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } }
    )
    built = { status: r.status, output: `${r.stdout}\n${r.stderr}` }
    appDir = join(work, 'dist', process.arch === 'x64' ? 'linux-unpacked' : `linux-${process.arch}-unpacked`)
    archive = join(appDir, 'resources', 'app.asar')
    files = built.status === 0 ? asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/^[/\\]/, '')) : []
  }, 180_000)

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('builds (its afterPack check of the native module and tray icons passes)', () => {
    expect(built.status, built.output).toBe(0)
    expect(existsSync(join(appDir, 'db-taxi')), 'the executable is renamed to db-taxi').toBe(true)
  })

  it('the asar holds the main, preload and renderer bundles and a package.json pointing at main', () => {
    for (const f of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) expect(files).toContain(f)
    expect(files.some((f) => /^out\/renderer\/assets\/.+\.js$/.test(f))).toBe(true)
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as Record<string, unknown>
    expect(pkg.main).toBe('./out/main/index.js')
    expect(pkg.scripts, 'scripts are stripped').toBeUndefined()
    // The bundles are the ones just built, byte for byte.
    expect(asar.extractFile(archive, 'out/main/index.js').equals(readFileSync(join(root, 'out', 'main', 'index.js')))).toBe(true)
  })

  it('holds no test, source, source map, repo file or dev dependency', () => {
    const offenders = files.filter(
      (f) =>
        /\.map$/.test(f) ||
        /\.(ts|tsx|mts|cts)$/.test(f) ||
        /^(src|tests|bench|docs|scripts|resources|\.ci|\.cache|\.tmp|out\/cli)(\/|$)/.test(f) ||
        /^(vitest\.config|electron\.vite\.config|playwright\.config|tsconfig|electron-builder)/.test(f)
    )
    expect(offenders).toEqual([])
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }
    const production = new Set<string>()
    for (const [path, meta] of Object.entries(lock.packages)) {
      const name = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path)?.[1]
      if (name && !meta.dev) production.add(name)
    }
    const packaged = new Set<string>()
    for (const f of files) {
      const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(f)
      if (m) packaged.add(m[1]!)
    }
    expect(packaged.size).toBeGreaterThan(10)
    expect([...packaged].filter((n) => !production.has(n))).toEqual([])
    for (const dev of ['electron', 'electron-builder', 'vitest', 'react', 'react-dom', '@mantine/core', 'zustand', '@playwright/test', 'typescript']) {
      expect(packaged.has(dev), dev).toBe(false)
    }
  })

  it("better-sqlite3's binding for this platform sits unpacked, alone, and loads from the packaged app", () => {
    const inside = `node_modules/better-sqlite3/prebuilds/${target}.node`
    const entry = asar.statFile(archive, inside) as { unpacked?: boolean }
    expect(entry.unpacked).toBe(true)
    const unpackedDir = join(appDir, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'prebuilds')
    expect(readdirSync(unpackedDir)).toEqual([`${target}.node`])
    expect(files.filter((f) => f.startsWith('node_modules/better-sqlite3/prebuilds/'))).toEqual([inside])
    expect(files.some((f) => f.startsWith('node_modules/better-sqlite3/deps/'))).toBe(false)
  })

  it('every package the main bundle requires at run time is in the app and loads from it', () => {
    // Extracted (unpacked files included), then each require() of out/main/index.js is done from the
    // extracted app by Node, whose N-API is the same as Electron's: a package trimmed too far by the
    // `files` patterns, or missing, fails here instead of on a user's machine.
    const extracted = join(work, 'extracted')
    asar.extractAll(archive, extracted)
    const main = readFileSync(join(extracted, 'out', 'main', 'index.js'), 'utf8')
    const specs = [...new Set([...main.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!))].filter(
      (s) => !s.startsWith('node:') && s !== 'electron' && !s.startsWith('.')
    )
    expect(specs).toEqual(expect.arrayContaining(['better-sqlite3', 'mysql2', 'node-sql-parser/build/mysql', 'winston-daily-rotate-file', 'ssh2']))
    const probe = [
      `const { createRequire } = require('node:module')`,
      `const req = createRequire(${JSON.stringify(join(extracted, 'out', 'main', 'index.js'))})`,
      `for (const s of ${JSON.stringify(specs)}) req(s)`,
      `const Database = req('better-sqlite3')`,
      `const db = new Database(':memory:')`,
      `process.stdout.write(String(db.prepare("SELECT sqlite_version() AS v, 6 * 7 AS n").get().n))`
    ].join('\n')
    const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('42')
  })

  it('flips the fuses electron-builder.cjs sets, away from Electron defaults', async () => {
    const wire = (await getCurrentFuseWire(join(appDir, 'db-taxi'))) as unknown as Record<number, number>
    const state = (i: number): string => String.fromCharCode(wire[i]!)
    const want: Record<number, string> = {
      [FuseV1Options.RunAsNode]: '0',
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: '0',
      [FuseV1Options.EnableNodeCliInspectArguments]: '0',
      [FuseV1Options.EnableCookieEncryption]: '1',
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: '1',
      [FuseV1Options.OnlyLoadAppFromAsar]: '1',
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: '0'
    }
    for (const [i, s] of Object.entries(want)) {
      expect(state(Number(i)), FuseV1Options[Number(i)]).toBe(s)
      expect(ELECTRON_DEFAULT_FUSES[Number(i)], `${FuseV1Options[Number(i)]} must differ from Electron's default`).not.toBe(s)
    }
    // Not configured: left as Electron ships it.
    expect(state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot)).toBe(ELECTRON_DEFAULT_FUSES[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot])
  })

  it('ships the tray icons beside the asar and stays within its size budget', () => {
    const config = createRequire(__filename)(join(root, 'electron-builder.cjs')) as { extraResources: Array<{ to: string }> }
    const icons = join(appDir, 'resources', config.extraResources[0]!.to)
    for (const s of ['idle', 'running', 'failed']) expect(existsSync(join(icons, `tray-${s}.png`)), s).toBe(true)
    const asarMb = mb(statSync(archive).size)
    const unpackedMb = mb(dirSize(join(appDir, 'resources', 'app.asar.unpacked')))
    console.log(`packaged app: app.asar ${asarMb.toFixed(1)} MB, app.asar.unpacked ${unpackedMb.toFixed(1)} MB`)
    expect(asarMb).toBeLessThan(ASAR_BUDGET_MB)
    expect(unpackedMb).toBeLessThan(UNPACKED_BUDGET_MB)
  })
})
