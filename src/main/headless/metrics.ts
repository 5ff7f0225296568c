import type { SystemStatus } from '../../shared/contract'

/** The status document in Prometheus' text exposition format (version 0.0.4). */
export function prometheusText(s: SystemStatus): string {
  const lines: string[] = []
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [Record<string, string> | null, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) {
      const l = labels ? `{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}` : ''
      lines.push(`${name}${l} ${Number.isFinite(value) ? value : 0}`)
    }
  }
  const c = s.counters
  metric('dbtaxi_up', 'gauge', 'Whether the sync system is running.', [[null, s.sync.state === 'running' ? 1 : 0]])
  metric('dbtaxi_uptime_seconds', 'gauge', 'Seconds since start.', [[null, Math.round(s.uptimeMs / 1000)]])
  metric('dbtaxi_store_ok', 'gauge', 'Whether the metadata store answers.', [[null, s.store.ok ? 1 : 0]])
  metric('dbtaxi_connections', 'gauge', 'Saved connections.', [[null, c.connections]])
  metric('dbtaxi_connections_connected', 'gauge', 'Connections whose pool is healthy.', [[null, c.connectedConnections]])
  metric('dbtaxi_syncs', 'gauge', 'Saved sync configs.', [[null, c.syncs]])
  metric('dbtaxi_jobs', 'gauge', 'Jobs in the history by status.', [
    [{ status: 'queued' }, c.jobs.queued],
    [{ status: 'running' }, c.jobs.running],
    [{ status: 'succeeded' }, c.jobs.succeeded],
    [{ status: 'failed' }, c.jobs.failed]
  ])
  metric('dbtaxi_jobs_total', 'gauge', 'Jobs in the history.', [[null, c.jobs.total]])
  metric('dbtaxi_rows_changed', 'gauge', 'Rows the jobs in the history inserted, updated, deleted and repaired (verification) on their targets.', [
    [{ kind: 'inserted' }, c.rows.inserted],
    [{ kind: 'updated' }, c.rows.updated],
    [{ kind: 'deleted' }, c.rows.deleted],
    [{ kind: 'repaired' }, c.rows.repaired]
  ])
  metric('dbtaxi_rows_written_total', 'counter', 'Rows written by jobs since start.', [[null, s.throughput.rowsWrittenTotal]])
  metric('dbtaxi_bytes_written_total', 'counter', 'Bytes written by jobs since start.', [[null, s.throughput.bytesWrittenTotal]])
  metric('dbtaxi_rows_per_second', 'gauge', 'Rows written per second over the last 10 seconds.', [[null, s.throughput.rowsPerSecond]])
  metric('dbtaxi_bytes_per_second', 'gauge', 'Bytes written per second over the last 10 seconds.', [[null, s.throughput.bytesPerSecond]])
  return lines.join('\n') + '\n'
}
