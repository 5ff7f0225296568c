import { CANCEL_SIGNALS, EXIT, exitForSignal, type CancelSignal } from './exit-codes'

/**
 * SIGINT, SIGTERM and SIGHUP all cancel a one-shot run the same way (Ctrl+C, `kill`, `timeout`,
 * systemd and Kubernetes, a closed terminal): the run stops, drops its shadow tables and kills its
 * server queries, and the process exits 128 + the signal's number. Without a handler Node dies at
 * once on SIGTERM and SIGHUP and leaves all of that behind.
 *
 * A second signal while the cleanup runs means "stop now": the handlers step aside and the signal is
 * raised again, so its default (immediate exit) applies.
 */
export interface SignalCancel {
  /** The first signal received, if any. */
  readonly received: CancelSignal | undefined
  /** 128 + the received signal's number; 130 if the run was cancelled without a signal. */
  exitCode(): number
  dispose(): void
}

export function cancelOnSignals(cancel: (signal: CancelSignal) => void): SignalCancel {
  let received: CancelSignal | undefined
  const ignoreWriteErrors = (): void => undefined
  const handler = (signal: NodeJS.Signals): void => {
    if (received) {
      dispose()
      process.kill(process.pid, signal)
      return
    }
    received = signal as CancelSignal
    // After SIGHUP the terminal may be gone: a write to it must not crash the process mid-cleanup.
    process.stdout.on('error', ignoreWriteErrors)
    process.stderr.on('error', ignoreWriteErrors)
    cancel(received)
  }
  const dispose = (): void => {
    for (const s of CANCEL_SIGNALS) process.off(s, handler)
  }
  for (const s of CANCEL_SIGNALS) process.on(s, handler)
  return {
    get received() {
      return received
    },
    exitCode: () => (received ? exitForSignal(received) : EXIT.INTERRUPTED),
    dispose
  }
}
