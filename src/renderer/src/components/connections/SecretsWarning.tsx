import { Alert } from '@mantine/core'
import { secretsWarningOf } from '../../connections/secrets-warning'
import { useStatus } from '../../stores/status'

/** Says so when saved passwords are protected less than they should be (no keyring on Linux). */
export function SecretsWarning() {
  const warning = useStatus((s) => secretsWarningOf(s.status))
  if (!warning) return null
  return (
    <Alert color="yellow" title="Saved passwords are not well protected on this computer" data-testid="secrets-warning">
      {warning}
    </Alert>
  )
}
