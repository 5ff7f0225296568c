import type { App, BrowserWindow, BrowserWindowConstructorOptions, Dialog, IpcMain, Protocol, Session, Shell } from 'electron'
import { createDispatcher, type Dispatch } from '../api/dispatcher'
import { createHandlers } from '../api/handlers'
import { ConfigError, effectiveConfig, loadBootLayers, type ConfigLayers } from '../sync/config/layers'
import { createSyncSystem, type SyncSystem, type SyncSystemOptions } from '../sync/system'
import { createAppPage, type AppPage } from './app-page'
import { APP_SCHEME_PRIVILEGES, registerAppProtocol } from './app-protocol'
import { bindIpc } from './ipc'
import { bindJobNotifications, type Notifier } from './notifications'
import { SafeStorageSecretBox, type SafeStorageLike } from './safe-storage-box'
import { applyContentSecurityPolicy, CONTENT_SECURITY_POLICY, denyPermissions, DEV_CONTENT_SECURITY_POLICY } from './security'
import { resolveSqliteBinding } from './sqlite-binding'
import { createMainWindow, focusWindow, loadPage, routeUrl, windowState } from './window'
import { memoryPrefs, placeWindow, type PrefStore } from './prefs'
import { startsHidden } from './login-start'
import { TrayController, TRAY_JOBS, type TrayDeps } from './tray'

/** How long quitting waits for running jobs to drain before the store is closed regardless. */
export const STOP_TIMEOUT_MS = 10_000
/** Extra grace on top of the core's own bound before the app exits anyway. */
const EXIT_GRACE_MS = 2_000

export interface DesktopDeps {
  app: Pick<App, 'requestSingleInstanceLock' | 'enableSandbox' | 'on' | 'whenReady' | 'getPath' | 'getAppPath' | 'quit' | 'exit'>
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>
  /** Electron's protocol module: app:// is made privileged before ready and served after it. */
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>
  /** session.defaultSession, which exists only once the app is ready. */
  defaultSession: () => Session
  shell: Pick<Shell, 'openExternal'>
  dialog: Pick<Dialog, 'showErrorBox'>
  /** Electron's safeStorage: connection secrets are sealed with it (safe-storage-box.ts). */
  safeStorage: SafeStorageLike
  env: NodeJS.ProcessEnv
  electronVersion: string | undefined
  /** app.isPackaged. */
  packaged?: boolean
  platform: NodeJS.Platform
  /** The preload script, and the built renderer directory served on app://db-taxi. */
  paths: { preload: string; rendererDir: string }
  /** Injected by tests; createSyncSystem otherwise. */
  createSystem?: (opts: SyncSystemOptions) => SyncSystem
  /** Electron's Notification behind a small interface; absent: no notifications. */
  notifier?: Notifier
  /** Electron's Tray and Menu and the tray icons; absent: no tray (closing the window then quits). */
  tray?: Pick<TrayDeps, 'Tray' | 'buildMenu' | 'icon'>
  /** Desktop preferences (electron-store in the app); absent: the defaults, kept in memory. */
  prefs?: PrefStore
  /** The process's arguments (`--hidden`: started at login) and whether macOS opened it at login. */
  argv?: string[]
  wasOpenedAtLogin?: boolean
  /** Turns start at login on or off (login-start.ts setLoginStart, bound to this system). */
  loginStart?: (enabled: boolean) => void
  /** The displays' work areas, to keep a restored window on screen. */
  workAreas?: () => { x: number; y: number; width: number; height: number }[]
}

/**
 * Boot layers for the desktop: flags do not exist here, so the flag layer carries only the data
 * directory, which defaults to Electron's per-user app data directory unless DBT_DATA_DIR (or a saved
 * value in a file layer) names another one.
 */
export function desktopLayers(env: NodeJS.ProcessEnv, userDataDir: string): ConfigLayers {
  const layers = loadBootLayers({ env })
  if (effectiveConfig(layers).sources.data_dir === 'default') {
    layers.flag.set('data_dir', { value: userDataDir, origin: 'electron userData' })
  }
  return layers
}

/**
 * The desktop app's life: single instance, start the core, bind IPC, open the window; on quit, stop
 * the core (bounded) and exit. A start failure is shown in an error box; a config error exits with 2.
 */
export async function runDesktop(d: DesktopDeps): Promise<void> {
  if (!d.app.requestSingleInstanceLock()) {
    // Another DB-Taxi window is already open; it focuses itself on 'second-instance'.
    d.app.quit()
    return
  }
  d.app.enableSandbox()
  // Only possible before 'ready'. Harmless in development, where the dev server is loaded instead.
  d.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])

  let win: BrowserWindow | null = null
  let system: SyncSystem | null = null
  let appPage: AppPage | null = null
  let disposeIpc: (() => void) | null = null
  let tray: TrayController | null = null
  const prefs = d.prefs ?? memoryPrefs()
  let phase: 'starting' | 'running' | 'stopping' = 'starting'
  // Read through a function: the handlers below change `phase` across the awaits.
  const currentPhase = (): typeof phase => phase

  const liveWindow = (): BrowserWindow | null => (win && !win.isDestroyed() ? win : null)

  // A page that does not load leaves an empty window: say why, once per failed load (createMainWindow
  // reports neither frames of the page nor loads a newer one replaced). Once quitting, only logged:
  // the error box is modal and would hold the shutdown until dismissed.
  const loadFailed = (err: Error): void => {
    system?.logger.error('the window could not load the app page', { err })
    if (currentPhase() === 'stopping') return
    d.dialog.showErrorBox('DB-Taxi could not show its window', `The app page did not load: ${err.message}`)
  }

  const saveWindowState = (w: BrowserWindow): void => {
    try {
      prefs.set('window', windowState(w))
    } catch (err) {
      system?.logger.warn('the window size and place could not be saved', { err })
    }
  }

  const openWindow = (url?: string, hidden = false): void => {
    const logger = system?.logger
    if (!appPage || !logger || liveWindow()) return
    const created = createMainWindow({
      BrowserWindow: d.BrowserWindow,
      appPage,
      preloadPath: d.paths.preload,
      shell: d.shell,
      logger,
      url,
      hidden,
      bounds: placeWindow(prefs.get('window'), d.workAreas?.() ?? []),
      onLoadFailed: loadFailed
    })
    created.on('close', (event: { preventDefault(): void }) => {
      saveWindowState(created)
      // Closing hides: DB-Taxi goes on in the tray, until Quit (which sets phase first).
      if (!tray || !prefs.get('closeToTray') || currentPhase() !== 'running') return
      event.preventDefault()
      created.hide()
      if (!prefs.get('closeToTrayExplained') && d.notifier?.isSupported()) {
        d.notifier.show({ title: 'DB-Taxi is still running', body: 'It keeps your syncs on schedule from the tray. Quit it from the tray menu.', urgent: false })
        prefs.set('closeToTrayExplained', true)
      }
    })
    created.on('show', () => tray?.windowOpened())
    created.on('focus', () => tray?.windowOpened())
    created.on('closed', () => {
      if (win === created) win = null
    })
    win = created
  }

  /** The window on screen and in front: shown again if hidden in the tray, opened if it was closed. */
  const bringWindow = (): void => {
    const existing = liveWindow()
    if (existing) focusWindow(existing)
    else openWindow()
  }

  /** A notification's click: the window at the job, opened if it was closed, brought to the front. */
  const showJob = (jobId: string): void => {
    if (!appPage || currentPhase() !== 'running') return
    const url = routeUrl(appPage, `/jobs/${encodeURIComponent(jobId)}`)
    const existing = liveWindow()
    if (!existing) return openWindow(url)
    focusWindow(existing)
    loadPage(existing, url)
  }

  const shutdown = async (exitCode: number): Promise<void> => {
    disposeIpc?.()
    disposeIpc = null
    tray?.destroy()
    tray = null
    if (system) {
      try {
        await bounded(system.stop(STOP_TIMEOUT_MS), STOP_TIMEOUT_MS + EXIT_GRACE_MS)
      } catch (err) {
        console.error('DB-Taxi: stopping the sync system failed:', err)
      }
    }
    d.app.exit(exitCode)
  }

  d.app.on('second-instance', () => {
    if (currentPhase() === 'running') bringWindow()
  })
  d.app.on('window-all-closed', () => {
    // With the tray, a closed window (close to tray off, or the window destroyed) leaves the app in the tray.
    if (d.platform !== 'darwin' && !tray) d.app.quit()
  })
  // A dock click on macOS: the window back on screen (Electron leaves a minimized one minimized when
  // no window is visible), or a new one if it was closed.
  d.app.on('activate', () => {
    if (phase !== 'running') return
    const existing = liveWindow()
    if (existing) focusWindow(existing)
    else openWindow()
  })
  d.app.on('before-quit', (event) => {
    // Hold the quit until the core has drained its jobs and closed the store; app.exit() at the end
    // does not come back here.
    event.preventDefault()
    if (phase === 'stopping') return
    phase = 'stopping'
    void shutdown(0)
  })

  await d.app.whenReady()
  if (currentPhase() === 'stopping') return

  try {
    try {
      appPage = createAppPage({ rendererUrl: d.env.ELECTRON_RENDERER_URL })
    } catch (err) {
      throw new ConfigError((err as Error).message)
    }
    const layers = desktopLayers(d.env, d.app.getPath('userData'))
    const sqliteBinding = resolveSqliteBinding({ env: d.env, appPath: d.app.getAppPath(), electronVersion: d.electronVersion, packaged: d.packaged })
    // After 'ready': before it, safeStorage cannot tell which Linux keyring it has.
    const secretBox = new SafeStorageSecretBox(d.safeStorage, d.platform)
    system = (d.createSystem ?? createSyncSystem)({ layers, mode: 'desktop', sqliteBinding, secretBox })
    await system.start()
  } catch (err) {
    // A quit during start-up is already stopping the core and exits when done; a start that fails
    // meanwhile (often because of that stop) is no error to show the user who asked to quit.
    if (currentPhase() === 'stopping') {
      console.error('DB-Taxi: starting failed while quitting:', err)
      return
    }
    phase = 'stopping'
    const isConfig = err instanceof ConfigError
    d.dialog.showErrorBox(
      isConfig ? 'DB-Taxi: invalid configuration' : 'DB-Taxi could not start',
      err instanceof Error ? err.message : String(err)
    )
    await shutdown(isConfig ? 2 : 1)
    return
  }
  // A quit that arrived while the core was starting has already begun stopping it.
  if (currentPhase() !== 'starting') return

  const session = d.defaultSession()
  applyContentSecurityPolicy(session, d.env.ELECTRON_RENDERER_URL ? DEV_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY)
  denyPermissions(session)
  // The built renderer is served from app://db-taxi; with the dev server nothing is served there.
  if (!d.env.ELECTRON_RENDERER_URL) registerAppProtocol(d.protocol, { root: d.paths.rendererDir, logger: system.logger })

  disposeIpc = bindIpc({
    ipcMain: d.ipcMain,
    dispatch: refreshingTray(createDispatcher(createHandlers(system), system.logger), () => tray?.refresh()),
    events: system.events,
    getWindow: liveWindow,
    appPage,
    logger: system.logger
  })
  if (d.notifier) {
    const sys = system
    const disposeNotifications = bindJobNotifications({
      events: sys.events,
      notifier: d.notifier,
      syncName: (id) => {
        try {
          return id ? sys.syncs.get(id).name : null
        } catch {
          return null
        }
      },
      openJob: (jobId) => showJob(jobId),
      wants: (status) => (status === 'succeeded' ? prefs.get('notifyOnSuccess') : prefs.get('notifyOnFailure'))
    })
    const prevDispose = disposeIpc
    disposeIpc = () => {
      disposeNotifications()
      prevDispose?.()
    }
  }
  if (d.tray) {
    const sys = system
    tray = new TrayController({
      ...d.tray,
      source: {
        syncs: () => sys.syncs.list().map((x) => ({ id: x.id, name: x.name })),
        runningCount: () => sys.jobs.runningCount(),
        recentJobs: (limit) => sys.jobs.list({ limit: Math.min(limit, TRAY_JOBS) }).jobs.map((j) => ({ id: j.id, syncName: j.syncName ?? 'a deleted sync', status: j.status })),
        schedulesPaused: () => sys.scheduler.isPaused(),
        prefs: () => ({
          closeToTray: prefs.get('closeToTray'),
          startAtLogin: prefs.get('startAtLogin'),
          startHidden: prefs.get('startHidden'),
          notifyOnFailure: prefs.get('notifyOnFailure'),
          notifyOnSuccess: prefs.get('notifyOnSuccess')
        })
      },
      actions: {
        openWindow: bringWindow,
        openJob: (jobId) => showJob(jobId),
        runSync: (syncId) => {
          try {
            sys.syncs.run(syncId, 'tray')
          } catch (err) {
            // Already running, or refused: say so where the operator clicked.
            const msg = err instanceof Error ? err.message : String(err)
            sys.logger.warn(`tray: the sync did not start: ${msg}`, { syncId })
            d.notifier?.show({ title: 'Sync not started', body: msg, urgent: false })
          }
        },
        setSchedulesPaused: (paused) => sys.scheduler.setPaused(paused),
        setPref: (key, value) => {
          prefs.set(key, value)
          if (key === 'startAtLogin') d.loginStart?.(value)
        },
        quit: () => d.app.quit()
      }
    })
    const t = tray
    const offStatus = sys.events.on('job.status', (e) => t.jobStatus(e.status))
    const prev = disposeIpc
    disposeIpc = () => {
      offStatus()
      prev?.()
    }
  }
  d.loginStart?.(prefs.get('startAtLogin'))
  phase = 'running'
  // Started at login (or asked to): only the tray, no window, until the operator opens it.
  openWindow(undefined, Boolean(tray) && startsHidden(d.argv ?? [], prefs.get('startHidden'), d.wasOpenedAtLogin))
}

/**
 * The tray lists the saved syncs and whether schedules are paused; a call that may change either
 * (from the window) sets its menu again afterwards, as Linux's AppIndicator needs.
 */
function refreshingTray(dispatch: Dispatch, refresh: () => void): Dispatch {
  return async (method, input, ctx) => {
    const out = await dispatch(method, input, ctx)
    if (typeof method === 'string' && /^(syncs|schedules|jobs)\./.test(method)) refresh()
    return out
  }
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    )
  })
}
