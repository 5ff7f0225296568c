import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve as resolvePath } from 'node:path'
import type { ReferenceResolver } from './manager'

/**
 * Where the values of a document's `${NAME}` and `${file:PATH}` references come from.
 */

/** Only the values the caller sent (the API): anything else is a problem naming the reference. */
export function callerReferences(values: Record<string, string> | undefined): ReferenceResolver {
  return (ref) => {
    const v = values?.[ref]
    if (v !== undefined) return { value: v }
    return { error: `no value was given for \${${ref}} (${ref.startsWith('file:') ? 'the file is read where the document is imported from' : 'set it, or enter it in the import form'})` }
  }
}

/**
 * This process's environment and files (the CLI working on a data dir, or preparing a call to a
 * server). A file reference reads the whole file, `~` meaning the home directory; one trailing
 * newline is dropped (editors add it; passwords do not end in one). PEM keys keep theirs.
 */
export function localReferences(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ReferenceResolver {
  return (ref) => {
    if (ref.startsWith('file:')) {
      const raw = ref.slice(5)
      const path = raw === '~' || raw.startsWith('~/') ? homedir() + raw.slice(1) : resolvePath(cwd, raw)
      try {
        const text = readFileSync(path, 'utf8')
        return { value: text.includes('-----BEGIN') ? text : text.replace(/\r?\n$/, '') }
      } catch (err) {
        return { error: `\${${ref}}: the file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }
      }
    }
    const v = env[ref]
    if (v === undefined) return { error: `the environment variable ${ref} is not set` }
    return { value: v }
  }
}
