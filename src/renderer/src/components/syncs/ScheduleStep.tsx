import { useEffect, useMemo, useState } from 'react'
import { Button, Card, Group, List, Loader, SegmentedControl, Select, Stack, Switch, Text, TextInput } from '@mantine/core'
import type { SchedulePreview } from '../../../../shared/syncs'
import { toErrorBody } from '../../api/client'
import { api } from '../../api/runtime'
import { formatRelative, formatRunTime } from '../../format/numbers'
import { useDebounced } from '../../hooks/useRemote'
import { scheduleOf, type ScheduleKind, type WizardState } from '../../syncs/wizard-model'
import type { StepProps } from './wizard-props'

const LOCAL = '__local__'

const CRON_PRESETS = [
  { cron: '*/15 * * * *', label: 'Every 15 min' },
  { cron: '0 * * * *', label: 'Hourly' },
  { cron: '0 2 * * *', label: 'Daily 02:00' },
  { cron: '0 6 * * 1-5', label: 'Weekdays 06:00' },
  { cron: '0 3 * * 0', label: 'Sundays 03:00' }
]

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone')
  } catch {
    return ['UTC']
  }
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

/** Step 4: none, cron (with a readable preview and the next runs) or an interval; catch-up. */
export function ScheduleStep({ state, update, errors }: StepProps) {
  const sc = state.schedule
  const set = (patch: Partial<WizardState['schedule']>): void => update((s) => ({ ...s, schedule: { ...s.schedule, ...patch } }))
  const zones = useMemo(() => timeZones(), [])
  const here = browserTimeZone()
  const schedule = scheduleOf(state)
  const key = useDebounced(schedule ? JSON.stringify(schedule) : null, 300)
  const [preview, setPreview] = useState<{ key: string; result: SchedulePreview } | null>(null)

  useEffect(() => {
    if (key === null) return
    let current = true
    api()
      .call('schedules.preview', { schedule: JSON.parse(key) as NonNullable<typeof schedule>, count: 5 })
      .then((result) => current && setPreview({ key, result }))
      .catch((err: unknown) => current && setPreview({ key, result: { ok: false, nextRuns: [], error: toErrorBody(err) } }))
    return () => {
      current = false
    }
  }, [key])

  const shown = preview && key !== null && preview.key === key ? preview.result : null
  const pending = schedule !== null && (key !== JSON.stringify(schedule) || !shown)
  const previewError = shown && !shown.ok ? (shown.error?.message ?? 'Invalid schedule') : undefined

  return (
    <Stack gap="md">
      <SegmentedControl
        value={sc.kind}
        onChange={(v) => set({ kind: v as ScheduleKind })}
        data={[
          { value: 'none', label: 'Manual only' },
          { value: 'cron', label: 'Cron' },
          { value: 'interval', label: 'Interval' }
        ]}
        w={360}
        data-testid="schedule-kind"
      />

      {sc.kind === 'none' && (
        <Text size="sm" c="dimmed">
          Runs only when you press Run, or with <code>db-taxi run {state.name.trim() || 'NAME'}</code>.
        </Text>
      )}

      {sc.kind === 'cron' && (
        <Stack gap="sm" maw={720}>
          <Group align="flex-start" grow>
            <TextInput
              label="Cron expression"
              description="minute hour day-of-month month day-of-week"
              value={sc.cron}
              onChange={(e) => set({ cron: e.currentTarget.value })}
              error={errors['schedule.cron'] ?? previewError}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              data-testid="schedule-cron"
            />
            <Select
              label="Time zone"
              description={`This browser: ${here}`}
              searchable
              allowDeselect={false}
              data={[{ value: LOCAL, label: 'Local time of the DB-Taxi host' }, ...zones.map((z) => ({ value: z, label: z }))]}
              value={sc.timezone === '' ? LOCAL : sc.timezone}
              onChange={(v) => set({ timezone: !v || v === LOCAL ? '' : v })}
              error={errors['schedule.timezone']}
              data-testid="schedule-timezone"
            />
          </Group>
          <Group gap={6}>
            {CRON_PRESETS.map((p) => (
              <Button
                key={p.cron}
                size="compact-xs"
                variant={sc.cron.trim() === p.cron ? 'filled' : 'light'}
                onClick={() => set({ cron: p.cron })}
                data-testid={`schedule-preset-${p.cron.replace(/[^0-9a-z]+/gi, '_')}`}
              >
                {p.label}
              </Button>
            ))}
          </Group>
        </Stack>
      )}

      {sc.kind === 'interval' && (
        <TextInput
          label="Every"
          description="A duration: 15m, 6h, 1d or 1h30m (at least 1m). Counted from the last run."
          maw={320}
          value={sc.every}
          onChange={(e) => set({ every: e.currentTarget.value })}
          error={errors['schedule.every'] ?? previewError}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          data-testid="schedule-every"
        />
      )}

      {sc.kind !== 'none' && (
        <>
          <Card withBorder padding="sm" maw={720} data-testid="schedule-preview">
            {pending && !shown ? (
              <Group gap="xs">
                <Loader size="xs" />
                <Text size="sm" c="dimmed">
                  Reading the schedule…
                </Text>
              </Group>
            ) : shown && shown.ok ? (
              <Stack gap={4}>
                <Group gap="xs">
                  <Text size="sm" fw={600} data-testid="schedule-description">
                    {shown.description}
                  </Text>
                  {pending && <Loader size={12} />}
                </Group>
                <Text size="xs" c="dimmed">
                  Next runs (shown in this browser’s time, {here}):
                </Text>
                <List size="sm" spacing={2} data-testid="schedule-next-runs">
                  {shown.nextRuns.map((t) => (
                    <List.Item key={t}>
                      <Text span size="sm" ff="monospace">
                        {formatRunTime(t)}
                      </Text>{' '}
                      <Text span size="xs" c="dimmed">
                        ({formatRelative(t)})
                      </Text>
                    </List.Item>
                  ))}
                </List>
              </Stack>
            ) : (
              <Text size="sm" c="red" data-testid="schedule-preview-error">
                {previewError ?? 'Invalid schedule'}
              </Text>
            )}
          </Card>
          <Switch
            label="Catch up missed runs"
            description="When a run was due while DB-Taxi was not running, run once at the next start."
            checked={sc.catchUp}
            onChange={(e) => set({ catchUp: e.currentTarget.checked })}
            data-testid="schedule-catch-up"
          />
          <Switch
            label="Schedule active"
            description="Off: keep the schedule but do not run it (paused)."
            checked={sc.enabled}
            onChange={(e) => set({ enabled: e.currentTarget.checked })}
            data-testid="schedule-enabled"
          />
        </>
      )}
    </Stack>
  )
}
