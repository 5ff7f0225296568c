import { Button, Group, Text } from '@mantine/core'
import type { ErrorBody } from '../../../../shared/errors'

/** A branch that could not be loaded: why, and a way to try again. */
export function LoadFailure({ level, error, onRetry }: { level: number; error: ErrorBody; onRetry(): void }) {
  return (
    <Group gap="xs" pl={6 + level * 18} py={4} wrap="nowrap" data-testid="browse-error">
      <Text size="xs" c="red">
        {error.message} ({error.code})
      </Text>
      <Button size="compact-xs" variant="subtle" onClick={onRetry}>
        Retry
      </Button>
    </Group>
  )
}
