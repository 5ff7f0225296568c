import { pathToFileURL } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppPage } from '../../../src/main/desktop/app-page'
import { bindIpc, EVENT_CHANNEL, INVOKE_CHANNEL } from '../../../src/main/desktop/ipc'
import type { Dispatch } from '../../../src/main/api/dispatcher'
import { EventBus } from '../../../src/main/sync/events'
import { asIpcMain, asWindow, FakeBrowserWindow, FakeIpcMain, FakeWebContents, fakeLogger } from './fakes'

const appUrl = 'app://db-taxi/index.html'

describe('bindIpc', () => {
  let ipcMain: FakeIpcMain
  let win: FakeBrowserWindow | null
  let events: EventBus
  let dispatch: ReturnType<typeof vi.fn>
  let logger: ReturnType<typeof fakeLogger>
  let dispose: () => void

  beforeEach(() => {
    ipcMain = new FakeIpcMain()
    win = new FakeBrowserWindow({})
    events = new EventBus()
    logger = fakeLogger()
    dispatch = vi.fn(async (method: string) => ({ ok: true, data: { method } }))
    dispose = bindIpc({
      ipcMain: asIpcMain(ipcMain),
      dispatch: dispatch as unknown as Dispatch,
      events,
      getWindow: () => (win ? asWindow(win) : null),
      appPage: createAppPage({}),
      logger
    })
  })

  const fromApp = () => ({ sender: win!.webContents, frameUrl: `${appUrl}#/dashboard` })

  it('forwards a call from the app page to the dispatcher as an ipc call', async () => {
    const answer = await ipcMain.invoke(INVOKE_CHANNEL, fromApp(), 'system.status', { a: 1 })
    expect(answer).toEqual({ ok: true, data: { method: 'system.status' } })
    expect(dispatch).toHaveBeenCalledWith('system.status', { a: 1 }, { transport: 'ipc' })
  })

  it.each([
    ['another window', () => ({ sender: new FakeWebContents(), frameUrl: appUrl })],
    ['a foreign page in the main window', () => ({ sender: win!.webContents, frameUrl: 'https://evil.example/' })],
    ['another local file', () => ({ sender: win!.webContents, frameUrl: 'file:///tmp/x.html' })],
    ['the built index.html on file://', () => ({ sender: win!.webContents, frameUrl: pathToFileURL('/app/out/renderer/index.html').href })],
    ['another app:// host', () => ({ sender: win!.webContents, frameUrl: 'app://evil/index.html' })],
    ['a subframe on the app page', () => ({ sender: win!.webContents, frameUrl: appUrl, topFrame: false })],
    ['a frame that is gone', () => ({ sender: win!.webContents, frameUrl: null })]
  ])('refuses %s with FORBIDDEN without dispatching', async (_name, from) => {
    const answer = (await ipcMain.invoke(INVOKE_CHANNEL, from(), 'system.status', {})) as { ok: boolean; error: { code: string } }
    expect(answer.ok).toBe(false)
    expect(answer.error.code).toBe('FORBIDDEN')
    expect(dispatch).not.toHaveBeenCalled()
    expect(logger.warn).toHaveBeenCalled()
  })

  it('refuses every caller when there is no main window', async () => {
    const sender = win!.webContents
    win = null
    const answer = (await ipcMain.invoke(INVOKE_CHANNEL, { sender, frameUrl: appUrl }, 'system.status', {})) as { error: { code: string } }
    expect(answer.error.code).toBe('FORBIDDEN')
  })

  it('answers a non-string method with VALIDATION', async () => {
    const answer = (await ipcMain.invoke(INVOKE_CHANNEL, fromApp(), 42, {})) as { error: { code: string } }
    expect(answer.error.code).toBe('VALIDATION')
    expect(dispatch).not.toHaveBeenCalled()
  })

  it('turns a dispatcher crash into an INTERNAL envelope, never a rejection', async () => {
    dispatch.mockRejectedValueOnce(new Error('secret stack'))
    const answer = (await ipcMain.invoke(INVOKE_CHANNEL, fromApp(), 'system.status', {})) as { ok: boolean; error: { code: string; message: string } }
    expect(answer).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expect(answer.error.message).not.toMatch(/secret/)
    expect(logger.error).toHaveBeenCalled()
  })

  it('forwards every bus event to the window as {event, payload}', () => {
    const payload = { jobId: 'j1', syncId: null, status: 'running' as const }
    events.emit('job.status', payload)
    events.emit('connection.status', { connectionId: 'c1', status: 'down' })
    expect(win!.webContents.sent).toEqual([
      { channel: EVENT_CHANNEL, args: [{ event: 'job.status', payload }] },
      { channel: EVENT_CHANNEL, args: [{ event: 'connection.status', payload: { connectionId: 'c1', status: 'down' } }] }
    ])
  })

  it('drops events while there is no live window', () => {
    const closed = win!
    closed.close()
    events.emit('job.status', { jobId: 'j1', syncId: null, status: 'queued' })
    win = null
    events.emit('job.status', { jobId: 'j1', syncId: null, status: 'queued' })
    expect(closed.webContents.sent).toEqual([])
  })

  it('dispose removes the handler and stops forwarding', async () => {
    dispose()
    dispose()
    expect(ipcMain.handlers.has(INVOKE_CHANNEL)).toBe(false)
    events.emit('job.status', { jobId: 'j1', syncId: null, status: 'queued' })
    expect(win!.webContents.sent).toEqual([])
    await expect(ipcMain.invoke(INVOKE_CHANNEL, fromApp(), 'system.status', {})).rejects.toThrow(/No handler/)
  })
})
