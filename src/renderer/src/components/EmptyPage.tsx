import { EmptyState, Stack, Title } from '@mantine/core'

/** A page that has nothing to show yet; says so plainly instead of faking content. */
export function EmptyPage(props: { testId: string; title: string; empty: string; description: string }) {
  return (
    <Stack data-testid={props.testId}>
      <Title order={1}>{props.title}</Title>
      <EmptyState data-testid={`${props.testId}-empty`} title={props.empty} description={props.description} />
    </Stack>
  )
}
