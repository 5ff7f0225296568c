import { constants } from 'node:os'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cancelOnSignals } from '../../../src/main/headless/cancel-signals'
import { CANCEL_SIGNALS, EXIT, exitForSignal } from '../../../src/main/headless/exit-codes'

/** SIGINT, SIGTERM and SIGHUP cancel a CLI run alike (issue 10 item 4); the exit code says which. */

describe('exit codes for signals', () => {
  it('are 128 + the signal number, as a shell reports a process a signal stopped', () => {
    for (const s of CANCEL_SIGNALS) expect(exitForSignal(s), s).toBe(128 + constants.signals[s])
    expect([exitForSignal('SIGINT'), exitForSignal('SIGTERM'), exitForSignal('SIGHUP')]).toEqual([EXIT.INTERRUPTED, EXIT.TERMINATED, EXIT.HANGUP])
    expect([EXIT.INTERRUPTED, EXIT.TERMINATED, EXIT.HANGUP]).toEqual([130, 143, 129])
  })
})

describe('cancelOnSignals', () => {
  afterEach(() => vi.restoreAllMocks())

  it.each(CANCEL_SIGNALS)('%s cancels once; a second signal steps aside and re-raises it', (signal) => {
    const before = process.listenerCount(signal)
    const cancel = vi.fn()
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true)
    const s = cancelOnSignals(cancel)
    expect(s.received).toBeUndefined()
    expect(s.exitCode()).toBe(130)
    for (const other of CANCEL_SIGNALS) expect(process.listenerCount(other)).toBeGreaterThan(0)

    process.emit(signal, signal)
    expect(cancel).toHaveBeenCalledWith(signal)
    expect(s.received).toBe(signal)
    expect(s.exitCode()).toBe(exitForSignal(signal))
    expect(kill).not.toHaveBeenCalled()

    // "Stop now": the default action of the signal applies (our handlers are gone first).
    process.emit(signal, signal)
    expect(cancel).toHaveBeenCalledTimes(1)
    expect(kill).toHaveBeenCalledWith(process.pid, signal)
    expect(process.listenerCount(signal)).toBe(before)
    s.dispose()
  })

  it('dispose removes every handler', () => {
    const before = CANCEL_SIGNALS.map((s) => process.listenerCount(s))
    cancelOnSignals(() => undefined).dispose()
    expect(CANCEL_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before)
  })
})
