import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A stand-in for Electron's Linux distribution (what the electron-vX-linux-x64.zip unpacks to), for
 * packaging tests on machines that cannot download Electron: electron-builder copies it as it would
 * the real one (its `electronDist` option), renames the executable and flips the fuses in it.
 *
 * The executable is a shell script carrying a fuse wire as Electron's binary does: the sentinel
 * @electron/fuses searches for, the wire version (1), its length, then one byte per fuse ('1' on,
 * '0' off). Its fuses start as Electron ships them, so every fuse the packaging sets must really flip.
 */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'

/** Electron 45's shipped fuse states, in wire order (RunAsNode ... GrantFileProtocolExtraPrivileges). */
export const ELECTRON_DEFAULT_FUSES = '10110001'

export function makeElectronStandIn(dir: string): string {
  mkdirSync(join(dir, 'resources'), { recursive: true })
  const wire = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "DB-Taxi packaging stand-in, not Electron" >&2\nexit 1\n'),
    Buffer.from(`# ${FUSE_SENTINEL}`),
    Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]),
    Buffer.from(ELECTRON_DEFAULT_FUSES),
    Buffer.from('\n')
  ])
  // The sentinel and fuse bytes sit in a shell comment, so the script still runs.
  const exe = join(dir, 'electron')
  writeFileSync(exe, wire)
  chmodSync(exe, 0o755)
  writeFileSync(join(dir, 'chrome-sandbox'), '')
  writeFileSync(join(dir, 'LICENSE'), 'stand-in\n')
  writeFileSync(join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>stand-in</title>\n')
  writeFileSync(join(dir, 'version'), '45.5.0')
  return dir
}
