/**
 * Desktop preferences: how the app behaves on this workstation (its window, the tray, login start,
 * notifications). They live in electron-store (a JSON file in Electron's userData, validated against
 * the schema below), not in the metadata store: they belong to this desktop, not to the syncs, and
 * `db-taxi serve` on the same data dir has no use for them. Sync settings stay in the metadata store.
 */

export interface WindowState {
  width: number
  height: number
  /** Absent until the window was first moved or closed: the system then places it. */
  x?: number
  y?: number
  maximized: boolean
}

export interface DesktopPrefs {
  window: WindowState
  /** Closing the window hides it and DB-Taxi goes on in the tray. */
  closeToTray: boolean
  /** Whether the "still running in the tray" notification was shown once. */
  closeToTrayExplained: boolean
  /** Start DB-Taxi when the user logs in (login item on macOS and Windows, XDG autostart on Linux). */
  startAtLogin: boolean
  /** Open to the tray only, with no window, when started (always so when started at login). */
  startHidden: boolean
  notifyOnFailure: boolean
  notifyOnSuccess: boolean
}

export const PREF_DEFAULTS: DesktopPrefs = {
  window: { width: 1280, height: 820, maximized: false },
  closeToTray: true,
  closeToTrayExplained: false,
  startAtLogin: false,
  startHidden: false,
  notifyOnFailure: true,
  notifyOnSuccess: false
}

/** The window's smallest size (window.ts keeps it as minWidth/minHeight). */
export const MIN_WINDOW = { width: 900, height: 600 }

const bool = { type: 'boolean' } as const

/** JSON Schema for electron-store (ajv): a value of the wrong type makes the store refuse to load or save it. */
export const PREF_SCHEMA = {
  window: {
    type: 'object',
    properties: {
      width: { type: 'integer', minimum: MIN_WINDOW.width, maximum: 100_000 },
      height: { type: 'integer', minimum: MIN_WINDOW.height, maximum: 100_000 },
      x: { type: 'integer', minimum: -100_000, maximum: 100_000 },
      y: { type: 'integer', minimum: -100_000, maximum: 100_000 },
      maximized: bool
    },
    required: ['width', 'height', 'maximized'],
    additionalProperties: false,
    default: PREF_DEFAULTS.window
  },
  closeToTray: { ...bool, default: PREF_DEFAULTS.closeToTray },
  closeToTrayExplained: { ...bool, default: PREF_DEFAULTS.closeToTrayExplained },
  startAtLogin: { ...bool, default: PREF_DEFAULTS.startAtLogin },
  startHidden: { ...bool, default: PREF_DEFAULTS.startHidden },
  notifyOnFailure: { ...bool, default: PREF_DEFAULTS.notifyOnFailure },
  notifyOnSuccess: { ...bool, default: PREF_DEFAULTS.notifyOnSuccess }
} as const

/** What the desktop modules use of the store (electron-store in the app, a Map in tests). */
export interface PrefStore {
  get<K extends keyof DesktopPrefs>(key: K): DesktopPrefs[K]
  set<K extends keyof DesktopPrefs>(key: K, value: DesktopPrefs[K]): void
}

/** An in-memory PrefStore with the defaults (tests, and the app when its file cannot be read). */
export function memoryPrefs(initial: Partial<DesktopPrefs> = {}): PrefStore {
  const values: DesktopPrefs = { ...PREF_DEFAULTS, ...initial }
  return {
    get: (key) => values[key],
    set: (key, value) => {
      values[key] = value
    }
  }
}

/**
 * A saved window state that still fits one of the displays' work areas, or the default size
 * without a position (the system places it): a monitor unplugged since must not leave the window
 * off screen.
 */
export function placeWindow(saved: WindowState, workAreas: { x: number; y: number; width: number; height: number }[]): WindowState {
  const width = Math.max(MIN_WINDOW.width, saved.width)
  const height = Math.max(MIN_WINDOW.height, saved.height)
  if (saved.x === undefined || saved.y === undefined) return { width, height, maximized: saved.maximized }
  const { x, y } = saved
  // Its title bar (the top 40 px, most of its width) must be on some display.
  const visible = workAreas.some((a) => x + width - 100 > a.x && x + 100 < a.x + a.width && y >= a.y && y + 40 <= a.y + a.height)
  return visible ? { width, height, x, y, maximized: saved.maximized } : { width, height, maximized: saved.maximized }
}
