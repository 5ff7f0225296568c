import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * Start at login. macOS and Windows have login items (app.setLoginItemSettings); Linux desktops read
 * XDG autostart entries (~/.config/autostart/*.desktop). Started that way the app opens hidden, in
 * the tray: the argument `--hidden` says so (macOS also reports wasOpenedAtLogin).
 */

export const HIDDEN_FLAG = '--hidden'

export interface LoginStartDeps {
  platform: NodeJS.Platform
  app: { setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void }
  env: NodeJS.ProcessEnv
  /** The executable to start: an AppImage's own path where it runs from one ($APPIMAGE), else the binary. */
  execPath: string
  homeDir: string
  fs?: { write(path: string, text: string): void; remove(path: string): void }
}

/** $XDG_CONFIG_HOME/autostart (default ~/.config/autostart). */
export function autostartFile(env: NodeJS.ProcessEnv, homeDir: string): string {
  const base = env.XDG_CONFIG_HOME?.trim() || join(homeDir, '.config')
  return join(base, 'autostart', 'db-taxi.desktop')
}

/** The XDG entry: Exec quoted per the Desktop Entry spec (a path with spaces stays one argument). */
export function autostartEntry(execPath: string): string {
  const quoted = `"${execPath.replace(/(["`$\\])/g, '\\$1')}"`
  return ['[Desktop Entry]', 'Type=Application', 'Name=DB-Taxi', 'Comment=Keeps MySQL targets current from the tray', `Exec=${quoted} ${HIDDEN_FLAG}`, 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n')
}

export function setLoginStart(enabled: boolean, d: LoginStartDeps): void {
  if (d.platform === 'darwin' || d.platform === 'win32') {
    d.app.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: [HIDDEN_FLAG] })
    return
  }
  const fs = d.fs ?? {
    write: (path: string, text: string) => {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, text, { mode: 0o644 })
    },
    remove: (path: string) => rmSync(path, { force: true })
  }
  const file = autostartFile(d.env, d.homeDir)
  if (enabled) fs.write(file, autostartEntry(d.env.APPIMAGE?.trim() || d.execPath))
  else fs.remove(file)
}

/** Whether this start should open no window: started at login, or asked to start hidden. */
export function startsHidden(argv: string[], startHiddenPref: boolean, wasOpenedAtLogin = false): boolean {
  return startHiddenPref || wasOpenedAtLogin || argv.includes(HIDDEN_FLAG)
}
