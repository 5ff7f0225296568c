#!/usr/bin/env node
// Starts the DB-Taxi desktop app from a source checkout.
//
//   node scripts/desktop.mjs start   build with electron-vite, then run the built app
//   node scripts/desktop.mjs dev     electron-vite dev server with hot reload
//
// Before launching it makes sure of two things that need the network once per Electron version:
//   1. Electron's own binary (electron 42+ downloads it lazily, on first launch);
//   2. a copy of better_sqlite3.node built for Electron's ABI, kept in
//      .cache/electron-native/electron-<version>/. node_modules/better-sqlite3 is never touched: it
//      stays built for Node, which the tests and the CLI use. The app finds the copy through
//      DB_TAXI_SQLITE_BINDING (see src/main/desktop/sqlite-binding.ts).
// Extra arguments after the mode go to electron-vite (e.g. `-- --noSandbox`).

import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const electronDir = join(root, 'node_modules', 'electron')
const sqliteDir = join(root, 'node_modules', 'better-sqlite3')
const electronVite = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')

function fail(message) {
  console.error(`\ndesktop: ${message}\n`)
  process.exit(1)
}

function electronVersion() {
  try {
    return JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version
  } catch {
    return fail('the electron package is not installed; run `npm install` first.')
  }
}

/** True when Electron's executable is on disk (what `require('electron')` would otherwise download). */
function electronBinaryPresent() {
  if (process.env.ELECTRON_EXEC_PATH) return existsSync(process.env.ELECTRON_EXEC_PATH)
  const pathFile = join(electronDir, 'path.txt')
  if (!existsSync(pathFile)) return false
  return existsSync(join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()))
}

function ensureElectronBinary(version) {
  if (electronBinaryPresent()) return
  console.log(`desktop: Electron ${version}'s binary is not downloaded yet; downloading it now (first launch only)...`)
  const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' })
  if (result.status === 0 && electronBinaryPresent()) return
  fail(
    `Electron ${version}'s binary is not available and could not be downloaded.\n` +
      '  The desktop app needs it; downloading it needs access to GitHub (or ELECTRON_MIRROR).\n' +
      '  On a machine without that access the desktop app cannot run. The same UI and API run\n' +
      '  headless instead: `npm run build && npm run serve`, then open the printed URL in a browser.'
  )
}

/** Builds better_sqlite3.node for Electron's ABI in a scratch copy of the package. */
function ensureSqliteBinding(version) {
  const target = join(root, '.cache', 'electron-native', `electron-${version}`, 'better_sqlite3.node')
  if (existsSync(target)) return target

  console.log(`desktop: building better-sqlite3 for Electron ${version} (once per Electron version)...`)
  const work = mkdtempSync(join(tmpdir(), 'db-taxi-sqlite-'))
  let built = false
  try {
    for (const entry of ['package.json', 'binding.gyp', 'src', 'deps']) {
      cpSync(join(sqliteDir, entry), join(work, entry), { recursive: true })
    }
    // `npm run` exports npm's bundled node-gyp; otherwise npx fetches node-gyp from the npm registry.
    const gyp = process.env.npm_config_node_gyp
    const gypArgs = ['rebuild', '--release', '--runtime=electron', `--target=${version}`, '--dist-url=https://electronjs.org/headers']
    const [command, args] = gyp ? [process.execPath, [gyp, ...gypArgs]] : ['npx', ['--yes', 'node-gyp', ...gypArgs]]
    const result = spawnSync(command, args, { cwd: work, stdio: 'inherit', shell: process.platform === 'win32' && !gyp })
    const output = join(work, 'build', 'Release', 'better_sqlite3.node')
    if (result.status === 0 && existsSync(output)) {
      mkdirSync(dirname(target), { recursive: true })
      copyFileSync(output, `${target}.partial`)
      renameSync(`${target}.partial`, target)
      built = true
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (!built) {
    fail(
      `could not build better-sqlite3 for Electron ${version}.\n` +
        "  node-gyp downloads Electron's headers from https://electronjs.org/headers, so this step needs\n" +
        '  network access, plus Python 3 and a C++ compiler (build-essential / Xcode / VS Build Tools).\n' +
        '  It runs once per Electron version. Alternatively, point DB_TAXI_SQLITE_BINDING at a\n' +
        '  better_sqlite3.node built for this Electron version.'
    )
  }
  console.log(`desktop: wrote ${target}`)
  return target
}

function electronViteSync(args, env) {
  const result = spawnSync(process.execPath, [electronVite, ...args], { cwd: root, stdio: 'inherit', env })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function electronViteForward(args, env) {
  const child = spawn(process.execPath, [electronVite, ...args], { cwd: root, stdio: 'inherit', env })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

const [mode, ...rest] = process.argv.slice(2)
if (mode !== 'start' && mode !== 'dev') {
  console.error('usage: node scripts/desktop.mjs start|dev [-- electron-vite options]')
  process.exit(2)
}

const version = electronVersion()
ensureElectronBinary(version)
const binding = process.env.DB_TAXI_SQLITE_BINDING || ensureSqliteBinding(version)
const env = { ...process.env, DB_TAXI_SQLITE_BINDING: binding }
console.log(`desktop: Electron ${version}, SQLite binding ${binding}`)

if (mode === 'start') {
  electronViteSync(['build'], env)
  electronViteForward(['preview', '--skipBuild', ...rest], env)
} else {
  electronViteForward(['dev', ...rest], env)
}
