import { Badge, Button, Group, Input, PasswordInput, Text, Textarea } from '@mantine/core'
import type { SecretField } from '../../connections/form-model'

interface Props {
  label: string
  field: SecretField
  onChange(field: SecretField): void
  /** Editing a saved connection: show "set"/"not set" and offer Replace/Clear for a saved value. */
  editing: boolean
  testId: string
  error?: string
  description?: string
  placeholder?: string
  /** PEM keys: a monospace text area instead of a password box. */
  multiline?: boolean
}

/**
 * A secret the server keeps and never shows again. A saved one is represented by "set" and can be
 * replaced or cleared; untouched, it is left out of the update so the saved one stays.
 */
export function SecretInput({ label, field, onChange, editing, testId, error, description, placeholder, multiline }: Props) {
  const showSaved = editing && field.stored && field.mode !== 'replace'
  const labelNode = (
    <Group gap={6} component="span" wrap="nowrap">
      <span>{label}</span>
      {editing && (
        <Badge
          size="xs"
          variant="light"
          color={field.mode === 'clear' ? 'red' : field.stored || field.mode === 'replace' ? 'green' : 'gray'}
          data-testid={`${testId}-state`}
        >
          {field.mode === 'clear' ? 'will be cleared' : field.mode === 'replace' ? (field.stored ? 'replacing' : 'new') : field.stored ? 'set' : 'not set'}
        </Badge>
      )}
    </Group>
  )

  if (showSaved) {
    return (
      <Input.Wrapper label={labelNode} description={description} error={error}>
        <Group gap={6} wrap="nowrap" mt={description ? 5 : 0}>
          <Text
            size="sm"
            c="dimmed"
            px="sm"
            h={36}
            truncate
            style={{
              flex: 1,
              minWidth: 0,
              lineHeight: '34px',
              border: '1px dashed var(--mantine-color-default-border)',
              borderRadius: 'var(--mantine-radius-sm)'
            }}
            title={field.mode === 'clear' ? 'Removed when you save' : 'Saved and hidden; kept unless you replace or clear it'}
            data-testid={testId}
          >
            {field.mode === 'clear' ? 'Removed on save' : '•••••••• saved'}
          </Text>
          {field.mode === 'clear' ? (
            <Button size="xs" variant="default" onClick={() => onChange({ ...field, mode: 'keep', value: '' })} data-testid={`${testId}-undo`}>
              Undo
            </Button>
          ) : (
            <>
              <Button size="xs" px={8} variant="default" onClick={() => onChange({ ...field, mode: 'replace', value: '' })} data-testid={`${testId}-replace`}>
                Replace
              </Button>
              <Button size="xs" px={8} variant="subtle" color="red" onClick={() => onChange({ ...field, mode: 'clear', value: '' })} data-testid={`${testId}-clear`}>
                Clear
              </Button>
            </>
          )}
        </Group>
      </Input.Wrapper>
    )
  }

  const change = (value: string): void => onChange({ ...field, mode: 'replace', value })
  const keepButton =
    editing && field.stored ? (
      <Button size="compact-xs" variant="subtle" onClick={() => onChange({ ...field, mode: 'keep', value: '' })} data-testid={`${testId}-keep`}>
        Keep saved
      </Button>
    ) : null

  return multiline ? (
    <Textarea
      label={labelNode}
      description={description}
      error={error}
      placeholder={placeholder}
      value={field.value}
      onChange={(e) => change(e.currentTarget.value)}
      autosize
      minRows={3}
      maxRows={8}
      styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
      autoFocus={editing && field.stored}
      data-testid={testId}
      inputContainer={(children) => (
        <>
          {children}
          {keepButton}
        </>
      )}
    />
  ) : (
    <PasswordInput
      label={labelNode}
      description={description}
      error={error}
      placeholder={placeholder}
      value={field.value}
      onChange={(e) => change(e.currentTarget.value)}
      autoComplete="new-password"
      autoFocus={editing && field.stored}
      data-testid={testId}
      inputContainer={(children) => (
        <>
          {children}
          {keepButton}
        </>
      )}
    />
  )
}
