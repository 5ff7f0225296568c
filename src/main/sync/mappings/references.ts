import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve as resolvePath } from 'node:path'
import type { ReferenceResolver } from './manager'

/**
 * Where the values of a document's `${NAME}` and `${file:PATH}` references come from.
 */

/** Only the values the caller sent (the API): anything else is a problem naming the reference. */
export function callerReferences(values: Record<string, string> | undefined): ReferenceResolver {
  return (ref) => {
    // Own keys only: `${constructor}` must not find Object's.
    const v = values && Object.hasOwn(values, ref) ? values[ref] : undefined
    if (typeof v === 'string') return { value: v }
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
        const text = readSmallFile(path)
        return { value: text.includes('-----BEGIN') ? text : text.replace(/\r?\n$/, '') }
      } catch (err) {
        return { error: `\${${ref}}: the file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }
      }
    }
    const v = Object.hasOwn(env, ref) ? env[ref] : undefined
    if (typeof v !== 'string') return { error: `the environment variable ${ref} is not set` }
    return { value: v }
  }
}

/** A secret file is small: keys and passwords, never /dev/zero or a directory. */
export const MAX_SECRET_FILE_BYTES = 128 * 1024

function readSmallFile(path: string): string {
  const fd = openSync(path, 'r')
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new Error('not a regular file')
    if (st.size > MAX_SECRET_FILE_BYTES) throw new Error(`${st.size} bytes, more than a secret file holds (${MAX_SECRET_FILE_BYTES})`)
    const buf = Buffer.alloc(st.size)
    let off = 0
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off)
      if (n === 0) break
      off += n
    }
    return buf.subarray(0, off).toString('utf8')
  } finally {
    closeSync(fd)
  }
}
