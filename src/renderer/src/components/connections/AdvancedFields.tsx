import { Grid, NumberInput } from '@mantine/core'
import type { SectionProps } from './form-props'

/** Connect timeout and pool size. */
export function AdvancedFields({ form, update, errors }: SectionProps) {
  return (
    <Grid gap="sm">
      <Grid.Col span={6}>
        <NumberInput
          clampBehavior="none"
          label="Connect timeout"
          description="How long to wait for the server to answer."
          suffix=" s"
          min={0.1}
          max={600}
          decimalScale={1}
          step={1}
          value={form.connectTimeoutSec}
          onChange={(v) => update({ connectTimeoutSec: v })}
          error={errors.connectTimeoutMs}
          data-testid="conn-timeout"
        />
      </Grid.Col>
      <Grid.Col span={6}>
        <NumberInput
          clampBehavior="none"
          label="Pool size"
          description="Connections DB-Taxi may keep open to this server."
          min={1}
          max={100}
          allowDecimal={false}
          allowNegative={false}
          value={form.poolSize}
          onChange={(v) => update({ poolSize: v })}
          error={errors.poolSize}
          data-testid="conn-pool-size"
        />
      </Grid.Col>
    </Grid>
  )
}
