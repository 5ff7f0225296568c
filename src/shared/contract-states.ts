/** Job and table states (contract rules); separate so shape modules can import them without cycles. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted'
/**
 * `ready`: loaded and verified, waiting to be switched in with the run's other tables (swap:
 * together); `cancelled`: stopped by a cancel, or not switched in because another table failed.
 */
export type TableStatus = 'pending' | 'copying' | 'verifying' | 'ready' | 'done' | 'failed' | 'cancelled' | 'skipped'
/** Table states that end a table's part in a run. */
export const FINAL_TABLE_STATUSES: readonly TableStatus[] = ['done', 'failed', 'cancelled', 'skipped']
