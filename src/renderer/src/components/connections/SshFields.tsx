import { Grid, Input, NumberInput, SegmentedControl, Stack, Switch, TextInput } from '@mantine/core'
import type { SshForm } from '../../connections/form-model'
import { WithCode } from '../WithCode'
import { SecretInput } from './SecretInput'
import type { SectionProps } from './form-props'

/** An SSH tunnel to reach a server that is not exposed: host, login, and the host key to expect. */
export function SshFields({ form, update, errors, editing }: SectionProps) {
  const ssh = form.ssh
  const set = (patch: Partial<SshForm>): void => update({ ssh: { ...ssh, ...patch } })
  return (
    <Stack gap="sm">
      <Switch
        label="Connect through an SSH tunnel"
        description="DB-Taxi logs in to the SSH server and connects to the database host and port from there."
        checked={form.sshEnabled}
        onChange={(e) => update({ sshEnabled: e.currentTarget.checked })}
        data-testid="conn-ssh-enabled"
      />
      {form.sshEnabled && (
        <>
          <Grid gap="sm">
            <Grid.Col span={9}>
              <TextInput
                label="SSH host"
                required
                value={ssh.host}
                onChange={(e) => set({ host: e.currentTarget.value })}
                error={errors['ssh.host']}
                data-testid="conn-ssh-host"
              />
            </Grid.Col>
            <Grid.Col span={3}>
              <NumberInput
                clampBehavior="none"
                label="SSH port"
                min={1}
                max={65535}
                allowDecimal={false}
                allowNegative={false}
                hideControls
                value={ssh.port}
                onChange={(v) => set({ port: v })}
                error={errors['ssh.port']}
                data-testid="conn-ssh-port"
              />
            </Grid.Col>
          </Grid>
          <TextInput
            label="SSH user"
            required
            value={ssh.user}
            onChange={(e) => set({ user: e.currentTarget.value })}
            error={errors['ssh.user']}
            data-testid="conn-ssh-user"
          />
          <Input.Wrapper label="Authentication">
            <SegmentedControl
              display="flex"
              w="fit-content"
              size="xs"
              value={ssh.auth}
              onChange={(v) => set({ auth: v as SshForm['auth'] })}
              data={[
                { value: 'password', label: 'Password' },
                { value: 'key', label: 'Private key' }
              ]}
              data-testid="conn-ssh-auth"
            />
          </Input.Wrapper>
          {ssh.auth === 'password' ? (
            <SecretInput
              label="SSH password"
              field={ssh.password}
              onChange={(password) => set({ password })}
              editing={editing}
              error={errors['ssh.password']}
              testId="conn-ssh-password"
            />
          ) : (
            <>
              <SecretInput
                label="Private key"
                description="PEM or OpenSSH format. Stored encrypted."
                placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                multiline
                field={ssh.privateKey}
                onChange={(privateKey) => set({ privateKey })}
                editing={editing}
                error={errors['ssh.privateKey']}
                testId="conn-ssh-key"
              />
              <SecretInput
                label="Key passphrase"
                description="Only if the key is protected by one."
                field={ssh.passphrase}
                onChange={(passphrase) => set({ passphrase })}
                editing={editing}
                error={errors['ssh.passphrase']}
                testId="conn-ssh-passphrase"
              />
            </>
          )}
          <TextInput
            label="Expected host key"
            description={
              <WithCode text="SHA256 fingerprint as `ssh-keygen -lf` prints it; any other key is refused. Empty: any key is accepted (not recommended)." />
            }
            placeholder="SHA256:..."
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            value={ssh.hostKeyFingerprint}
            onChange={(e) => set({ hostKeyFingerprint: e.currentTarget.value })}
            error={errors['ssh.hostKeyFingerprint']}
            data-testid="conn-ssh-fingerprint"
          />
        </>
      )}
    </Stack>
  )
}
