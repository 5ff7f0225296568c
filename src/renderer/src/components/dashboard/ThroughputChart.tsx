import { Group, SimpleGrid, Stack, Text } from '@mantine/core'
import type { SystemStatus } from '../../../../shared/contract'
import { formatBytes } from '../../connections/format'
import { barLayout } from '../../format/chart'
import { formatByteRate, formatCompact, formatCount } from '../../format/numbers'
import { Stat, StatCard } from './Stat'

/** Plot height in px; the width follows the card, so text stays crisp at any size. */
const H = 120
const AXIS_W = 56

function time(t: string): string {
  return new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
}

/** One metric per minute over the last hour, as bars; a native tooltip per bar. */
function Bars({ points, color, format, label, testId }: { points: { t: string; value: number }[]; color: string; format(n: number): string; label: string; testId: string }) {
  // Laid out on a 0..100 wide grid, drawn in percent of the plot's width.
  const { bars, max } = barLayout(points, 100, H, 0.25)
  const first = points[0]?.t
  const last = points[points.length - 1]?.t
  const total = points.reduce((a, p) => a + p.value, 0)
  const dim = { fontSize: 11, color: 'var(--mantine-color-dimmed)' }
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <Text size="xs" c="dimmed">
          {format(total)} in the last hour
        </Text>
      </Group>
      <div style={{ display: 'flex', gap: 6 }}>
        <div style={{ width: AXIS_W, height: H, position: 'relative', flex: 'none' }} aria-hidden>
          {[1, 0.5, 0].map((f) => (
            <span key={f} style={{ ...dim, position: 'absolute', right: 0, top: (1 - f) * H - 7, whiteSpace: 'nowrap' }}>
              {format(max * f)}
            </span>
          ))}
        </div>
        <svg width="100%" height={H} role="img" aria-label={`${label}, last hour`} data-testid={testId} data-points={points.length} style={{ display: 'block', flex: '1 1 0', minWidth: 0 }}>
          {[0, 0.5, 1].map((f) => (
            <line key={f} x1="0" x2="100%" y1={H - f * H} y2={H - f * H} stroke="var(--mantine-color-gray-3)" strokeWidth={1} strokeDasharray={f === 0 ? undefined : '3 3'} />
          ))}
          {bars.map((b) => (
            <rect key={b.t} x={`${b.x}%`} y={b.y} width={`${b.width}%`} height={b.height} fill={color} rx={1}>
              <title>{`${time(b.t)}: ${format(b.value)}`}</title>
            </rect>
          ))}
        </svg>
      </div>
      <div style={{ display: 'flex', justifyContent: 'space-between', marginLeft: AXIS_W + 6, ...dim }}>
        <span>{first ? time(first) : ''}</span>
        <span>{last ? time(last) : ''}</span>
      </div>
    </Stack>
  )
}

/** Rows and bytes written per minute over the last hour, and the rates right now. */
export function ThroughputChart({ throughput }: { throughput: SystemStatus['throughput'] }) {
  const rows = throughput.lastHour.map((p) => ({ t: p.t, value: p.rows }))
  const bytes = throughput.lastHour.map((p) => ({ t: p.t, value: p.bytes }))
  return (
    <StatCard title="Throughput" testId="card-throughput">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="md">
          <Stat label="Rows/s now" testId="throughput-rows" value={formatCount(throughput.rowsPerSecond)} />
          <Stat label="Bytes/s now" testId="throughput-bytes" value={formatByteRate(throughput.bytesPerSecond)} />
          <Stat label="Rows written" testId="throughput-rows-total" value={formatCount(throughput.rowsWrittenTotal)} />
          <Stat label="Data written" testId="throughput-bytes-total" value={formatBytes(throughput.bytesWrittenTotal)} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <Bars points={rows} color="var(--mantine-color-blue-6)" format={(n) => formatCompact(n)} label="Rows per minute" testId="chart-rows" />
          <Bars points={bytes} color="var(--mantine-color-teal-6)" format={(n) => formatBytes(n)} label="Bytes per minute" testId="chart-bytes" />
        </SimpleGrid>
        {throughput.lastHour.length === 0 && (
          <Text size="sm" c="dimmed">
            Nothing written in the last hour.
          </Text>
        )}
      </Stack>
    </StatCard>
  )
}
