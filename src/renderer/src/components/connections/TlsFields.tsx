import { Select, Stack, Textarea } from '@mantine/core'
import { TLS_MODES, type TlsMode } from '../../../../shared/connections'
import { TLS_MODE_LABELS } from '../../connections/format'
import { SecretInput } from './SecretInput'
import type { SectionProps } from './form-props'

const PEM_STYLES = { input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }

/** TLS mode, CA and client certificate, client key (a secret). */
export function TlsFields({ form, update, errors, editing }: SectionProps) {
  const tls = form.tls
  const set = (patch: Partial<typeof tls>): void => update({ tls: { ...tls, ...patch } })
  const verifying = tls.mode === 'verify-ca' || tls.mode === 'verify-identity'
  return (
    <Stack gap="sm">
      <Select
        label="TLS mode"
        description={TLS_MODE_LABELS[tls.mode].description}
        data={TLS_MODES.map((m) => ({ value: m, label: TLS_MODE_LABELS[m].label }))}
        value={tls.mode}
        onChange={(v) => v && set({ mode: v as TlsMode })}
        allowDeselect={false}
        error={errors['tls.mode']}
        data-testid="conn-tls-mode"
      />
      {tls.mode !== 'disabled' && (
        <>
          <Textarea
            label="CA certificate"
            description={verifying ? 'PEM. The server certificate must be signed by this CA.' : 'PEM. Only checked in the Verify modes.'}
            placeholder="-----BEGIN CERTIFICATE-----"
            autosize
            minRows={3}
            maxRows={8}
            styles={PEM_STYLES}
            value={tls.ca}
            onChange={(e) => set({ ca: e.currentTarget.value })}
            error={errors['tls.ca']}
            data-testid="conn-tls-ca"
          />
          <Textarea
            label="Client certificate"
            description="PEM. Only for servers that require X.509 client authentication."
            placeholder="-----BEGIN CERTIFICATE-----"
            autosize
            minRows={3}
            maxRows={8}
            styles={PEM_STYLES}
            value={tls.cert}
            onChange={(e) => set({ cert: e.currentTarget.value })}
            error={errors['tls.cert']}
            data-testid="conn-tls-cert"
          />
          <SecretInput
            label="Client key"
            description="PEM. Stored encrypted, like the password."
            placeholder="-----BEGIN PRIVATE KEY-----"
            multiline
            field={tls.key}
            onChange={(key) => set({ key })}
            editing={editing}
            error={errors['tls.key']}
            testId="conn-tls-key"
          />
        </>
      )}
    </Stack>
  )
}
