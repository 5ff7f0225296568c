import { Grid, NumberInput, Stack, Switch, TextInput } from '@mantine/core'
import { SecretInput } from './SecretInput'
import type { SectionProps } from './form-props'

/** Name, server address, login, default database, read-only. */
export function GeneralFields({ form, update, errors, editing }: SectionProps) {
  return (
    <Stack gap="sm">
      <TextInput
        label="Name"
        placeholder="e.g. production-eu"
        required
        value={form.name}
        onChange={(e) => update({ name: e.currentTarget.value })}
        error={errors.name}
        data-testid="conn-name"
        data-autofocus
      />
      <Grid gap="sm">
        <Grid.Col span={9}>
          <TextInput
            label="Host"
            placeholder="db.example.com or 10.0.0.5"
            required
            value={form.host}
            onChange={(e) => update({ host: e.currentTarget.value })}
            error={errors.host}
            data-testid="conn-host"
          />
        </Grid.Col>
        <Grid.Col span={3}>
          {/* clampBehavior none: Mantine would turn 99999 into 65535 on blur, unseen; the value stays as
              typed and the contract's check refuses it on the field, with the range. */}
          <NumberInput
            clampBehavior="none"
            label="Port"
            required
            min={1}
            max={65535}
            allowDecimal={false}
            allowNegative={false}
            hideControls
            value={form.port}
            onChange={(v) => update({ port: v })}
            error={errors.port}
            data-testid="conn-port"
          />
        </Grid.Col>
        <Grid.Col span={6}>
          <TextInput
            label="User"
            required
            autoComplete="off"
            value={form.user}
            onChange={(e) => update({ user: e.currentTarget.value })}
            error={errors.user}
            data-testid="conn-user"
          />
        </Grid.Col>
        <Grid.Col span={6}>
          <SecretInput
            label="Password"
            field={form.password}
            onChange={(password) => update({ password })}
            editing={editing}
            error={errors.password}
            testId="conn-password"
            placeholder={editing && form.password.stored ? 'New password (empty for none)' : undefined}
          />
        </Grid.Col>
      </Grid>
      <TextInput
        label="Default database"
        placeholder="Optional"
        value={form.database}
        onChange={(e) => update({ database: e.currentTarget.value })}
        error={errors.database}
        data-testid="conn-database"
      />
      <Switch
        label="Read-only"
        description="Never used as a sync target: DB-Taxi will not write to this server. For production sources."
        checked={form.readOnly}
        onChange={(e) => update({ readOnly: e.currentTarget.checked })}
        data-testid="conn-readonly"
      />
    </Stack>
  )
}
