import type { MenuItemConstructorOptions } from 'electron'
import type { JobStatus } from '../../shared/contract-states'
import type { DesktopPrefs } from './prefs'

/**
 * The tray: an icon that shows what DB-Taxi is doing while its window is closed, and a menu to act
 * on it. Electron's Tray and Menu sit behind small interfaces so the rules (which icon, which menu,
 * what a click does) are unit-tested with fakes (tests/unit/desktop/tray.test.ts).
 *
 * Linux's AppIndicator (GNOME, KDE, Ubuntu) delivers no click events and shows a menu only as it was
 * last set: nothing can be built when the menu opens. So the menu is built again and set anew after
 * every change it shows (a job starting or ending, schedules paused, a sync saved), on every system.
 */

export type TrayState = 'idle' | 'running' | 'failed'

/** Just what the controller uses of Electron's Tray. */
export interface TrayLike {
  setImage(image: unknown): void
  setToolTip(text: string): void
  setContextMenu(menu: unknown): void
  on(event: 'click', listener: () => void): unknown
  destroy(): void
}

export interface TrayJob {
  id: string
  syncName: string
  status: JobStatus
}

/** What the tray reads from the sync system, and does to it. */
export interface TraySource {
  syncs(): { id: string; name: string }[]
  runningCount(): number
  /** The newest jobs first, at most `limit`. */
  recentJobs(limit: number): TrayJob[]
  schedulesPaused(): boolean
  /** The desktop preferences the menu's Preferences submenu shows as check boxes. */
  prefs(): Pick<DesktopPrefs, ToggledPref>
}

/** Preferences toggled from the tray menu (the app has no other place for them yet). */
export type ToggledPref = 'closeToTray' | 'startAtLogin' | 'startHidden' | 'notifyOnFailure' | 'notifyOnSuccess'

const PREF_LABELS: Record<ToggledPref, string> = {
  closeToTray: 'Keep running in the tray when the window closes',
  startAtLogin: 'Start at login',
  startHidden: 'Start in the tray, without the window',
  notifyOnFailure: 'Notify when a sync fails',
  notifyOnSuccess: 'Notify when a sync succeeds'
}

export interface TrayActions {
  openWindow(): void
  openJob(jobId: string): void
  runSync(syncId: string): void
  setSchedulesPaused(paused: boolean): void
  setPref(key: ToggledPref, value: boolean): void
  quit(): void
}

export interface TrayDeps {
  /** Electron's Tray class (a fake in tests). */
  Tray: new (image: unknown) => TrayLike
  /** Electron's Menu.buildFromTemplate. */
  buildMenu(template: MenuItemConstructorOptions[]): unknown
  /** The icon of a state (resources/tray-<state>.png, or the Template image on macOS). */
  icon(state: TrayState): unknown
  source: TraySource
  actions: TrayActions
}

/** Jobs listed in the menu. */
export const TRAY_JOBS = 5

const STATUS_WORD: Record<JobStatus, string> = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'FAILED',
  cancelled: 'cancelled',
  interrupted: 'interrupted'
}

export class TrayController {
  private readonly tray: TrayLike
  private state: TrayState = 'idle'
  /** A job failed since the window was last opened: the failed icon stays until the operator looks. */
  private unseenFailure = false
  private destroyed = false

  constructor(private readonly d: TrayDeps) {
    this.tray = new d.Tray(d.icon('idle'))
    // Windows and macOS deliver clicks: a click on the icon opens the window (the menu is the
    // right click). AppIndicator never calls this; its menu carries "Open DB-Taxi" first.
    this.tray.on('click', () => d.actions.openWindow())
    this.refresh()
  }

  /** A job ended or started: a failure is remembered until the window is opened. */
  jobStatus(status: JobStatus): void {
    if (status === 'failed') this.unseenFailure = true
    this.refresh()
  }

  /** The window was shown or focused: the operator has seen what failed. */
  windowOpened(): void {
    if (!this.unseenFailure) return
    this.unseenFailure = false
    this.refresh()
  }

  currentState(): TrayState {
    return this.state
  }

  /** Builds the icon, tooltip and menu from the system's state now, and sets them. */
  refresh(): void {
    if (this.destroyed) return
    const running = this.d.source.runningCount()
    const paused = this.d.source.schedulesPaused()
    const state: TrayState = this.unseenFailure ? 'failed' : running > 0 ? 'running' : 'idle'
    if (state !== this.state) this.tray.setImage(this.d.icon(state))
    this.state = state
    this.tray.setToolTip(this.headline(running, paused))
    this.tray.setContextMenu(this.d.buildMenu(this.template(running, paused)))
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.tray.destroy()
  }

  private headline(running: number, paused: boolean): string {
    const parts = [running > 0 ? `${running} job${running === 1 ? '' : 's'} running` : 'idle']
    if (this.unseenFailure) parts.push('a sync failed')
    if (paused) parts.push('schedules paused')
    return `DB-Taxi: ${parts.join(', ')}`
  }

  template(running: number, paused: boolean): MenuItemConstructorOptions[] {
    const a = this.d.actions
    const syncs = this.d.source.syncs()
    const jobs = this.d.source.recentJobs(TRAY_JOBS)
    const prefs = this.d.source.prefs()
    const items: MenuItemConstructorOptions[] = [
      { label: this.headline(running, paused), enabled: false },
      { type: 'separator' },
      { label: 'Open DB-Taxi', click: () => a.openWindow() },
      {
        label: 'Sync now',
        enabled: syncs.length > 0,
        submenu: syncs.length ? syncs.map((s) => ({ label: menuText(s.name), click: () => a.runSync(s.id) })) : [{ label: 'No saved syncs', enabled: false }]
      },
      {
        label: paused ? 'Resume schedules' : 'Pause all schedules',
        click: () => {
          a.setSchedulesPaused(!paused)
          this.refresh()
        }
      },
      { type: 'separator' },
      { label: jobs.length ? 'Recent jobs' : 'No jobs yet', enabled: false },
      ...jobs.map((j) => ({ label: `${menuText(j.syncName)}: ${STATUS_WORD[j.status]}`, click: () => a.openJob(j.id) })),
      { type: 'separator' },
      {
        label: 'Preferences',
        submenu: (Object.keys(PREF_LABELS) as ToggledPref[]).map((key) => ({
          label: PREF_LABELS[key],
          type: 'checkbox' as const,
          checked: prefs[key],
          click: () => {
            a.setPref(key, !prefs[key])
            this.refresh()
          }
        }))
      },
      { label: 'Quit DB-Taxi', click: () => a.quit() }
    ]
    return items
  }
}

/** A name as menu text: '&' would mark a Windows access key, and a very long name would widen the menu. */
function menuText(name: string): string {
  const flat = name.replace(/[\r\n\t]+/g, ' ').replace(/&/g, '&&')
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat
}
