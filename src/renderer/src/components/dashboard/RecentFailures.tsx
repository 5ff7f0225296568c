import { Anchor, Code, Stack, Text, Tooltip } from '@mantine/core'
import type { SystemStatus } from '../../../../shared/contract'
import { formatDateTime, formatRelative } from '../../format/numbers'
import { shortId } from '../../jobs/format'
import { jobHash } from '../../routing/routes'
import { StatCard } from './Stat'

/** The latest failed jobs, newest first, each linking to its job. */
export function RecentFailures({ failures }: { failures: SystemStatus['recentFailures'] }) {
  return (
    <StatCard title="Recent failures" testId="card-failures">
      {failures.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="failures-empty">
          No failed jobs.
        </Text>
      ) : (
        <Stack gap="xs" data-testid="failures">
          {failures.map((f) => (
            <div key={f.jobId} data-testid={`failure-${f.jobId}`}>
              <Anchor href={jobHash(f.jobId)} size="sm" fw={600}>
                {f.syncName ?? (f.syncId ? `sync ${shortId(f.syncId)}` : 'deleted sync')}
              </Anchor>{' '}
              <Tooltip label={formatDateTime(f.finishedAt)} withArrow>
                <Text span size="xs" c="dimmed">
                  {formatRelative(f.finishedAt)}
                </Text>
              </Tooltip>
              {f.error && (
                <Text size="xs" c="red.8" lineClamp={2}>
                  <Code>{f.error.code}</Code> {f.error.message}
                </Text>
              )}
            </div>
          ))}
        </Stack>
      )}
    </StatCard>
  )
}
