import { homedir } from 'node:os'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, safeStorage, screen, session, shell, Tray } from 'electron'
import Store from 'electron-store'
import { runDesktop } from './lifecycle'
import { setLoginStart } from './login-start'
import { memoryPrefs, PREF_SCHEMA, type DesktopPrefs, type PrefStore } from './prefs'
import type { TrayState } from './tray'

/** resources/ beside the app (packaged: electron-builder copies it to process.resourcesPath). */
const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(__dirname, '../../resources')

/** The tray icon of a state; on macOS the Template image, which the menu bar tints for light and dark. */
function trayIcon(state: TrayState): Electron.NativeImage {
  return nativeImage.createFromPath(join(resourcesDir, process.platform === 'darwin' ? `tray-${state}Template.png` : `tray-${state}.png`))
}

/** electron-store with the schema; a file it cannot read (hand-edited, wrong types) falls back to the defaults in memory. */
function openPrefs(): PrefStore {
  try {
    const store = new Store<DesktopPrefs>({ name: 'desktop-preferences', schema: PREF_SCHEMA as never, clearInvalidConfig: true })
    return { get: (key) => store.get(key), set: (key, value) => store.set(key, value) }
  } catch (err) {
    console.error('DB-Taxi: the desktop preferences could not be read; using the defaults:', err)
    return memoryPrefs()
  }
}

// Entry of the desktop app (electron-vite builds it to out/main/index.js). Everything with logic
// lives in lifecycle.ts and its helpers, which take these Electron objects as parameters.
runDesktop({
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  defaultSession: () => session.defaultSession,
  shell,
  dialog,
  safeStorage,
  env: process.env,
  electronVersion: process.versions.electron,
  packaged: app.isPackaged,
  platform: process.platform,
  notifier: {
    isSupported: () => Notification.isSupported(),
    show: ({ title, body, urgent, onClick }) => {
      const n = new Notification({ title, body, urgency: urgent ? 'critical' : 'normal' })
      if (onClick) n.on('click', onClick)
      n.show()
    }
  },
  tray: {
    Tray: Tray as never,
    buildMenu: (template) => Menu.buildFromTemplate(template),
    icon: trayIcon
  },
  prefs: openPrefs(),
  argv: process.argv,
  wasOpenedAtLogin: process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin,
  loginStart: (enabled) => setLoginStart(enabled, { platform: process.platform, app, env: process.env, execPath: process.execPath, homeDir: homedir() }),
  workAreas: () => screen.getAllDisplays().map((d) => d.workArea),
  paths: {
    preload: join(__dirname, '../preload/index.cjs'),
    rendererDir: join(__dirname, '../renderer')
  }
}).catch((err: unknown) => {
  console.error('DB-Taxi: the desktop app failed:', err)
  app.exit(1)
})
