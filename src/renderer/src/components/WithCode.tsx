import { Fragment } from 'react'
import { Code } from '@mantine/core'

/** Renders `backticked` parts of a plain-text description (as written in CONFIG_KEYS) as inline code. */
export function WithCode({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, i) =>
        i % 2 === 1 ? <Code key={i}>{part}</Code> : <Fragment key={i}>{part}</Fragment>
      )}
    </>
  )
}
