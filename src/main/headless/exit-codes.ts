/** CLI exit codes of the contract rules (docs/api.md). */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  CANNOT_CONNECT: 3,
  /** SIGHUP (the terminal went away): 128 + 1. */
  HANGUP: 129,
  /** SIGINT (Ctrl+C): 128 + 2. */
  INTERRUPTED: 130,
  /** SIGTERM (`kill`, `timeout`, systemd, Kubernetes): 128 + 15. */
  TERMINATED: 143
} as const

/** The signals a one-shot command treats as "cancel the run, clean up, exit". */
export const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
export type CancelSignal = (typeof CANCEL_SIGNALS)[number]

/**
 * A run cancelled by a signal exits 128 + the signal's number, as a shell reports a process the
 * signal killed: scripts, `timeout` and service managers see the same code whether DB-Taxi cleaned
 * up first (it does) or not.
 */
export function exitForSignal(signal: CancelSignal): number {
  switch (signal) {
    case 'SIGHUP':
      return EXIT.HANGUP
    case 'SIGINT':
      return EXIT.INTERRUPTED
    case 'SIGTERM':
      return EXIT.TERMINATED
  }
}
