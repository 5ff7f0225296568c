import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron'
import type { Envelope, EventMap, EventName } from '../../shared/contract'
import type { Dispatch } from '../api/dispatcher'
import type { EventBus } from '../sync/events'
import type { Logger } from '../sync/logging/logger'
import type { AppPage } from './app-page'

/** Renderer -> main: `invoke(channel, method, input)`, answered with an Envelope. */
export const INVOKE_CHANNEL = 'dbtaxi:invoke'
/** Main -> renderer: `{ event, payload }` for every EventBus event. */
export const EVENT_CHANNEL = 'dbtaxi:event'

export interface EventMessage<E extends EventName = EventName> {
  event: E
  payload: EventMap[E]
}

export interface IpcBindingOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>
  dispatch: Dispatch
  events: Pick<EventBus, 'onAny'>
  /** The main window, or null while there is none (closed, not yet created). */
  getWindow: () => BrowserWindow | null
  appPage: AppPage
  logger: Pick<Logger, 'warn' | 'error'>
}

/**
 * Binds the contract to Electron IPC. Only the main window's top frame, showing the app's own page,
 * is answered; any other sender (another window, an iframe, a page the window was somehow navigated
 * to) gets FORBIDDEN. Every event on the bus is forwarded to the window while it exists.
 * Returns a dispose function that removes the handler and the event subscription.
 */
export function bindIpc(opts: IpcBindingOptions): () => void {
  const { ipcMain, dispatch, events, getWindow, appPage, logger } = opts

  ipcMain.handle(INVOKE_CHANNEL, async (event, method: unknown, input: unknown): Promise<Envelope<unknown>> => {
    const refusal = checkSender(event, getWindow(), appPage)
    if (refusal) {
      logger.warn('IPC call from an unexpected sender refused', { method: typeof method === 'string' ? method : undefined, reason: refusal })
      return { ok: false, error: { code: 'FORBIDDEN', message: `This caller may not use the DB-Taxi API (${refusal}).` } }
    }
    if (typeof method !== 'string') {
      return { ok: false, error: { code: 'VALIDATION', message: 'The method name must be a string.' } }
    }
    try {
      return await dispatch(method, input, { transport: 'ipc' })
    } catch (err) {
      // The dispatcher turns handler errors into envelopes; reaching here is a bug. The renderer
      // must still get an envelope, since a rejected invoke reads as "core unreachable".
      logger.error('IPC dispatch failed', { method, err })
      return { ok: false, error: { code: 'INTERNAL', message: 'Internal error; see the DB-Taxi log for details.' } }
    }
  })

  const unsubscribe = events.onAny((event, payload) => {
    const win = getWindow()
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return
    const message: EventMessage = { event, payload }
    win.webContents.send(EVENT_CHANNEL, message)
  })

  let disposed = false
  return () => {
    if (disposed) return
    disposed = true
    unsubscribe()
    ipcMain.removeHandler(INVOKE_CHANNEL)
  }
}

/** Why a sender is refused, or null when it is the main window's top frame on the app's page. */
export function checkSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, win: BrowserWindow | null, appPage: AppPage): string | null {
  if (!win || win.isDestroyed()) return 'no main window'
  if (event.sender !== win.webContents) return 'not the main window'
  const frame = event.senderFrame
  if (!frame) return 'sender frame is gone'
  if (frame.parent !== null) return 'not the top frame'
  if (!appPage.isAppUrl(frame.url)) return 'not the app page'
  return null
}
