import { describe, expect, it } from 'vitest'
import type { MenuItemConstructorOptions } from 'electron'
import { TrayController, type TrayJob, type TrayLike, type TrayState, type ToggledPref } from '../../../src/main/desktop/tray'

/** Electron's Tray as the controller sees it: what it was given, in order. */
class FakeTray implements TrayLike {
  static last: FakeTray
  images: unknown[] = []
  tooltips: string[] = []
  menus: MenuItemConstructorOptions[][] = []
  clicks: (() => void)[] = []
  destroyed = false
  constructor(image: unknown) {
    this.images.push(image)
    FakeTray.last = this
  }
  setImage(image: unknown): void {
    this.images.push(image)
  }
  setToolTip(text: string): void {
    this.tooltips.push(text)
  }
  setContextMenu(menu: unknown): void {
    this.menus.push(menu as MenuItemConstructorOptions[])
  }
  on(_event: 'click', listener: () => void): void {
    this.clicks.push(listener)
  }
  destroy(): void {
    this.destroyed = true
  }
  menu(): MenuItemConstructorOptions[] {
    return this.menus[this.menus.length - 1]!
  }
  item(label: string | RegExp): MenuItemConstructorOptions {
    const all = flatten(this.menu())
    const found = all.find((i) => (typeof label === 'string' ? i.label === label : label.test(i.label ?? '')))
    if (!found) throw new Error(`no menu item ${String(label)} in ${all.map((i) => i.label).join(' | ')}`)
    return found
  }
}

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])])
}

const click = (i: MenuItemConstructorOptions): void => (i.click as () => void)()

function harness() {
  const state = {
    syncs: [
      { id: 's1', name: 'prod -> dev' },
      { id: 's2', name: 'R&D replica' }
    ],
    running: 0,
    jobs: [] as TrayJob[],
    paused: false,
    prefs: { closeToTray: true, startAtLogin: false, startHidden: false, notifyOnFailure: true, notifyOnSuccess: false } as Record<ToggledPref, boolean>
  }
  const calls: string[] = []
  const tray = new TrayController({
    Tray: FakeTray,
    buildMenu: (t) => t,
    icon: (s: TrayState) => `icon:${s}`,
    source: {
      syncs: () => state.syncs,
      runningCount: () => state.running,
      recentJobs: (n) => state.jobs.slice(0, n),
      schedulesPaused: () => state.paused,
      prefs: () => state.prefs
    },
    actions: {
      openWindow: () => calls.push('open'),
      openJob: (id) => calls.push(`job ${id}`),
      runSync: (id) => calls.push(`run ${id}`),
      setSchedulesPaused: (p) => {
        state.paused = p
        calls.push(`paused ${p}`)
      },
      setPref: (k, v) => {
        state.prefs[k] = v
        calls.push(`${k} ${v}`)
      },
      quit: () => calls.push('quit')
    }
  })
  return { tray, fake: FakeTray.last, state, calls }
}

describe('tray', () => {
  it('starts idle with a menu: open, sync now per saved sync, pause, jobs, preferences, quit', () => {
    const { fake, calls } = harness()
    expect(fake.images).toEqual(['icon:idle'])
    expect(fake.tooltips.at(-1)).toBe('DB-Taxi: idle')
    const labels = fake.menu().map((i) => i.label ?? i.type)
    expect(labels).toEqual(['DB-Taxi: idle', 'separator', 'Open DB-Taxi', 'Sync now', 'Pause all schedules', 'separator', 'No jobs yet', 'separator', 'Preferences', 'Quit DB-Taxi'])
    // '&' would be a Windows access key: doubled, so the name reads as written.
    expect((fake.item('Sync now').submenu as MenuItemConstructorOptions[]).map((i) => i.label)).toEqual(['prod -> dev', 'R&&D replica'])
    click(fake.item('R&&D replica'))
    click(fake.item('Open DB-Taxi'))
    click(fake.item('Quit DB-Taxi'))
    expect(calls).toEqual(['run s2', 'open', 'quit'])
    // Windows and macOS: a click on the icon opens the window.
    fake.clicks[0]!()
    expect(calls.at(-1)).toBe('open')
  })

  it('every change rebuilds and sets the menu again (AppIndicator shows only the last one set)', () => {
    const { tray, fake, state } = harness()
    const before = fake.menus.length
    state.running = 2
    state.jobs = [{ id: 'j2', syncName: 'prod -> dev', status: 'running' }]
    tray.jobStatus('running')
    expect(fake.menus.length).toBe(before + 1)
    expect(fake.images.at(-1)).toBe('icon:running')
    expect(fake.tooltips.at(-1)).toBe('DB-Taxi: 2 jobs running')
    expect(fake.item('prod -> dev: running')).toBeTruthy()
  })

  it('a failure shows the failed icon until the window is opened, running or not', () => {
    const { tray, fake, state, calls } = harness()
    state.jobs = [{ id: 'j9', syncName: 'prod -> dev', status: 'failed' }]
    tray.jobStatus('failed')
    expect(tray.currentState()).toBe('failed')
    expect(fake.images.at(-1)).toBe('icon:failed')
    expect(fake.tooltips.at(-1)).toBe('DB-Taxi: idle, a sync failed')
    // Another job starting and ending well does not clear it.
    state.running = 1
    tray.jobStatus('running')
    state.running = 0
    tray.jobStatus('succeeded')
    expect(tray.currentState()).toBe('failed')
    click(fake.item('prod -> dev: FAILED'))
    expect(calls).toEqual(['job j9'])
    tray.windowOpened()
    expect(tray.currentState()).toBe('idle')
    expect(fake.images.at(-1)).toBe('icon:idle')
  })

  it('pause all schedules, then resume: the item says which and the menu is set again at once', () => {
    const { fake, calls } = harness()
    click(fake.item('Pause all schedules'))
    expect(calls).toEqual(['paused true'])
    expect(fake.tooltips.at(-1)).toBe('DB-Taxi: idle, schedules paused')
    click(fake.item('Resume schedules'))
    expect(calls).toEqual(['paused true', 'paused false'])
    expect(fake.item('Pause all schedules')).toBeTruthy()
  })

  it('without saved syncs, Sync now is disabled and says why; preferences toggle as check boxes', () => {
    const { tray, fake, state, calls } = harness()
    state.syncs = []
    tray.refresh()
    expect(fake.item('Sync now').enabled).toBe(false)
    expect(fake.item('No saved syncs').enabled).toBe(false)
    const login = fake.item('Start at login')
    expect(login).toMatchObject({ type: 'checkbox', checked: false })
    click(login)
    expect(calls).toEqual(['startAtLogin true'])
    expect(fake.item('Start at login').checked).toBe(true)
  })

  it('lists at most five jobs, shortens long names, and stops after destroy', () => {
    const { tray, fake, state } = harness()
    state.jobs = Array.from({ length: 8 }, (_, i) => ({ id: `j${i}`, syncName: `${'x'.repeat(80)}\n${i}`, status: 'succeeded' as const }))
    tray.refresh()
    const jobItems = fake.menu().filter((i) => /succeeded$/.test(i.label ?? ''))
    expect(jobItems).toHaveLength(5)
    expect(jobItems[0]!.label).toBe(`${'x'.repeat(57)}...: succeeded`)
    tray.destroy()
    const n = fake.menus.length
    tray.jobStatus('failed')
    expect(fake.menus.length).toBe(n)
    expect(fake.destroyed).toBe(true)
  })
})
