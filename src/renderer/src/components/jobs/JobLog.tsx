import { useEffect, useRef, useState } from 'react'
import { Badge, Group, ScrollArea, Switch, Text } from '@mantine/core'
import { LEVEL_COLOR, type LogLine } from '../../jobs/logs'

function time(ts: string): string {
  const d = new Date(ts)
  if (Number.isNaN(d.getTime())) return ts
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
}

/** The job's log lines, newest at the bottom; follows new lines unless the user turned that off. */
export function JobLog({ lines, live }: { lines: LogLine[]; live: boolean }) {
  const [follow, setFollow] = useState(true)
  const viewport = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (follow && viewport.current) viewport.current.scrollTop = viewport.current.scrollHeight
  }, [lines, follow])
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="xs" c="dimmed">
          {lines.length} {lines.length === 1 ? 'line' : 'lines'}
          {live ? ' · live' : ''}
        </Text>
        <Switch size="xs" label="Follow" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
      </Group>
      <ScrollArea.Autosize mah={320} viewportRef={viewport} type="auto" data-testid="job-log">
        <div style={{ fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12, lineHeight: 1.6 }}>
          {lines.length === 0 && (
            <Text size="xs" c="dimmed">
              No log lines yet.
            </Text>
          )}
          {lines.map((l, i) => (
            <div key={l.id ?? `live-${i}`} data-level={l.level} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              <Text span c="dimmed" size="xs" ff="monospace">
                {time(l.ts)}
              </Text>{' '}
              <Badge size="xs" radius="sm" variant="light" color={LEVEL_COLOR[l.level] ?? 'gray'} w={46}>
                {l.level}
              </Badge>{' '}
              {l.table && (
                <Text span c="grape.7" size="xs" ff="monospace">
                  [{l.table}]{' '}
                </Text>
              )}
              <Text span size="xs" ff="monospace" c={l.level === 'error' ? 'red' : undefined}>
                {l.message}
              </Text>
            </div>
          ))}
        </div>
      </ScrollArea.Autosize>
    </div>
  )
}
