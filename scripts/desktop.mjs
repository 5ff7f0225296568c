#!/usr/bin/env node
// Starts the DB-Taxi desktop app from a source checkout.
//
//   node scripts/desktop.mjs start   build with electron-vite, then run the built app
//   node scripts/desktop.mjs dev     electron-vite dev server with hot reload
//
// Before launching it makes sure Electron's own binary is there (electron 42+ downloads it lazily,
// on first launch; this needs the network once per Electron version). better-sqlite3 (13+) ships
// prebuilt N-API binaries, which load in Node and in Electron alike, so nothing is rebuilt for
// Electron's ABI; DB_TAXI_SQLITE_BINDING still points the app at another better_sqlite3.node (see
// src/main/desktop/sqlite-binding.ts).
// Extra arguments after the mode go to electron-vite (e.g. `-- --noSandbox`).

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const electronDir = join(root, 'node_modules', 'electron')
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
const binding = process.env.DB_TAXI_SQLITE_BINDING
const env = { ...process.env }
console.log(`desktop: Electron ${version}, SQLite binding ${binding ?? "better-sqlite3's N-API prebuild"}`)

if (mode === 'start') {
  electronViteSync(['build'], env)
  electronViteForward(['preview', '--skipBuild', ...rest], env)
} else {
  electronViteForward(['dev', ...rest], env)
}
