import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session, shell } from 'electron'
import { runDesktop } from './lifecycle'

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
  platform: process.platform,
  notifier: {
    isSupported: () => Notification.isSupported(),
    show: ({ title, body, urgent, onClick }) => {
      const n = new Notification({ title, body, urgency: urgent ? 'critical' : 'normal' })
      if (onClick) n.on('click', onClick)
      n.show()
    }
  },
  paths: {
    preload: join(__dirname, '../preload/index.cjs'),
    rendererDir: join(__dirname, '../renderer')
  }
}).catch((err: unknown) => {
  console.error('DB-Taxi: the desktop app failed:', err)
  app.exit(1)
})
