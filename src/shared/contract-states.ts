/** Job and table states (contract rules); separate so shape modules can import them without cycles. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted'
export type TableStatus = 'pending' | 'copying' | 'verifying' | 'done' | 'failed' | 'skipped'
