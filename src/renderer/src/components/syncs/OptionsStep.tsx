import { Checkbox, Grid, Group, NumberInput, Radio, Select, Stack, Switch, Text, Title } from '@mantine/core'
import { ON_EXISTS, SWAP_MODES, WRITE_PATHS, type SwapMode, type VerifyScope, type WritePathOption } from '../../../../shared/syncs'
import { ON_EXISTS_TEXT, SWAP_TEXT, WRITE_PATH_TEXT } from '../../syncs/summary'
import { mappingsOf, type OnExists, type WizardState } from '../../syncs/wizard-model'
import type { StepProps } from './wizard-props'

/** Step 3: what happens to existing tables, chunking and parallelism, verification, other objects. */
export function OptionsStep({ state, update, errors }: StepProps) {
  const o = state.options
  const set = (patch: Partial<WizardState['options']>): void => update((s) => ({ ...s, options: { ...s.options, ...patch } }))
  return (
    <Stack gap="lg">
      <div>
        <Title order={4} mb={4}>
          Existing target tables
        </Title>
        <Radio.Group value={o.onExists} onChange={(v) => set({ onExists: v as OnExists })} data-testid="opt-on-exists">
          <Stack gap="xs" mt="xs">
            {ON_EXISTS.map((v) => (
              <Radio.Card key={v} value={v} p="sm" radius="md" data-testid={`opt-on-exists-${v}`}>
                <Group wrap="nowrap" align="flex-start">
                  <Radio.Indicator />
                  <div>
                    <Text fw={600} size="sm">
                      {ON_EXISTS_TEXT[v].label}
                      {v === 'replace' ? ' (default)' : ''}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {ON_EXISTS_TEXT[v].description}
                    </Text>
                  </div>
                </Group>
              </Radio.Card>
            ))}
          </Stack>
        </Radio.Group>
        <Select
          mt="sm"
          maw={640}
          label="Switch the tables in"
          description={SWAP_TEXT[o.swap].description}
          data={SWAP_MODES.map((v) => ({ value: v, label: SWAP_TEXT[v].label }))}
          value={o.swap}
          onChange={(v) => v && set({ swap: v as SwapMode })}
          allowDeselect={false}
          data-testid="opt-swap"
        />
      </div>

      <Stack gap="sm">
        <Title order={4}>Schema</Title>
        <Switch
          label="Create missing databases and tables"
          description="From the source's SHOW CREATE TABLE: keys, charsets, collations, generated columns and partitioning come along."
          checked={o.createMissing}
          onChange={(e) => set({ createMissing: e.currentTarget.checked })}
          data-testid="opt-create-missing"
        />
        <Switch
          label="Recreate a target table whose schema differs"
          description={
            o.onExists === 'replace'
              ? 'Replace always takes the source’s schema; this applies to truncate, append and fail.'
              : 'Otherwise a differing schema stops the run with SCHEMA_MISMATCH and lists the differences.'
          }
          disabled={o.onExists === 'replace'}
          checked={o.recreateOnMismatch}
          onChange={(e) => set({ recreateOnMismatch: e.currentTarget.checked })}
          data-testid="opt-recreate"
        />
      </Stack>

      <Stack gap="sm">
        <Title order={4}>Copy</Title>
        <Grid gap="sm" maw={640}>
          <Grid.Col span={6}>
            <NumberInput
              clampBehavior="none"
              label="Rows per chunk"
              description="Empty: the sync.batch_size setting."
              placeholder="default"
              min={1}
              max={10_000_000}
              allowDecimal={false}
              allowNegative={false}
              thousandSeparator=","
              value={o.chunkRows}
              onChange={(v) => set({ chunkRows: typeof v === 'number' ? v : '' })}
              error={errors['options.chunkRows']}
              data-testid="opt-chunk-rows"
            />
          </Grid.Col>
          <Grid.Col span={6}>
            <NumberInput
              clampBehavior="none"
              label="Parallel readers and writers"
              description="Empty: 2. More helps on fast servers and networks."
              placeholder="2"
              min={1}
              max={32}
              allowDecimal={false}
              allowNegative={false}
              value={o.parallelism}
              onChange={(v) => set({ parallelism: typeof v === 'number' ? v : '' })}
              error={errors['options.parallelism']}
              data-testid="opt-parallelism"
            />
          </Grid.Col>
          <Grid.Col span={12}>
            <Select
              label="Write path"
              description={WRITE_PATH_TEXT[o.writePath].description}
              data={WRITE_PATHS.map((v) => ({ value: v, label: WRITE_PATH_TEXT[v].label }))}
              value={o.writePath}
              onChange={(v) => v && set({ writePath: v as WritePathOption })}
              allowDeselect={false}
              data-testid="opt-write-path"
            />
          </Grid.Col>
        </Grid>
        <Switch
          label="Verify after copying"
          description="Row counts and chunk checksums on both sides, computed at the same time. Recommended."
          checked={o.verify}
          onChange={(e) => set({ verify: e.currentTarget.checked })}
          data-testid="opt-verify"
        />
        {o.verify && mappingsOf(state).some((m) => m.mode === 'incremental') && (
          <Radio.Group
            label="Incremental tables verify"
            value={o.verifyScope}
            onChange={(v) => set({ verifyScope: v as VerifyScope })}
            data-testid="opt-verify-scope"
          >
            <Stack gap={4} mt={4}>
              <Radio value="table" label="The whole table, repairing what the cursor missed (an update that left it alone)" data-testid="opt-verify-scope-table" />
              <Radio value="changed" label="Only the rows each run read: much faster on large tables, but a row the cursor missed stays different" data-testid="opt-verify-scope-changed" />
            </Stack>
          </Radio.Group>
        )}
      </Stack>

      <Stack gap={6}>
        <Title order={4}>Other objects</Title>
        <Text size="xs" c="dimmed">
          Created after the data is loaded, so no trigger fires during the copy.
        </Text>
        <Group gap="lg">
          <Checkbox label="Views" checked={o.views} onChange={(e) => set({ views: e.currentTarget.checked })} data-testid="opt-views" />
          <Checkbox label="Triggers" checked={o.triggers} onChange={(e) => set({ triggers: e.currentTarget.checked })} data-testid="opt-triggers" />
          <Checkbox
            label="Routines (procedures, functions)"
            checked={o.routines}
            onChange={(e) => set({ routines: e.currentTarget.checked })}
            data-testid="opt-routines"
          />
        </Group>
      </Stack>
    </Stack>
  )
}
