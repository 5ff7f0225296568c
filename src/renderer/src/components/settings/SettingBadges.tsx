import { Badge, Group } from '@mantine/core'
import type { ConfigSource, SettingEntry } from '../../../../shared/contract'

const SOURCE_COLOR: Record<ConfigSource, string> = {
  flag: 'grape',
  env: 'violet',
  settings: 'blue',
  file: 'teal',
  default: 'gray'
}

/** Where the effective value comes from, whether something outranks the UI, and when a change applies. */
export function SettingBadges({ entry }: { entry: SettingEntry }) {
  const key = entry.key
  return (
    <Group gap="xs">
      <Badge variant="light" color={SOURCE_COLOR[entry.source] ?? 'gray'} data-testid={`setting-source-${key}`}>
        {entry.source}
      </Badge>
      {entry.overridden && (
        <Badge color="orange" tt="none" data-testid={`setting-overridden-${key}`}>
          overridden by {entry.overriddenBy ?? entry.source}
        </Badge>
      )}
      {entry.restartRequired && (
        <Badge variant="outline" color="gray" tt="none" data-testid={`setting-restart-${key}`}>
          takes effect after restart
        </Badge>
      )}
    </Group>
  )
}
