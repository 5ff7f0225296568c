/** CLI exit codes of the contract rules (docs/api.md). */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  CANNOT_CONNECT: 3,
  INTERRUPTED: 130
} as const
