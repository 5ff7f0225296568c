import { Alert, Text } from '@mantine/core'
import { useConnectivity } from '../stores/connectivity'

/** Red and sticky so that stale numbers on any page are never mistaken for live ones. */
export function ConnectivityBanner() {
  const up = useConnectivity((s) => s.up)
  const reason = useConnectivity((s) => s.reason)
  if (up) return null
  return (
    <Alert
      data-testid="connectivity-banner"
      role="alert"
      color="red"
      variant="filled"
      title="DB-Taxi backend unreachable"
      mb="md"
      style={{ position: 'sticky', top: 0, zIndex: 50 }}
    >
      <Text size="sm" data-testid="connectivity-reason">
        {reason}
      </Text>
      <Text size="xs">Retrying every few seconds; what is shown below may be out of date.</Text>
    </Alert>
  )
}
