import { useCallback, useEffect, useRef, useState } from 'react'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../api/client'

export type RemoteState<T> =
  | { status: 'idle'; data: null; error: null }
  | { status: 'loading'; data: T | null; error: null }
  | { status: 'done'; data: T; error: null }
  | { status: 'error'; data: null; error: ErrorBody }

/**
 * Loads whatever `key` names (null: nothing to load) and reloads when it changes; an answer for a key
 * that is no longer current is dropped, so quick changes of a select never show stale lists.
 */
export function useRemote<T>(key: string | null, loader: () => Promise<T>): RemoteState<T> & { reload(): void } {
  const [state, setState] = useState<RemoteState<T>>({ status: 'idle', data: null, error: null })
  const [attempt, setAttempt] = useState(0)
  const latest = useRef(loader)
  useEffect(() => {
    latest.current = loader
  }, [loader])
  useEffect(() => {
    if (key === null) {
      setState({ status: 'idle', data: null, error: null })
      return
    }
    let current = true
    setState({ status: 'loading', data: null, error: null })
    latest
      .current()
      .then((data) => current && setState({ status: 'done', data, error: null }))
      .catch((err: unknown) => current && setState({ status: 'error', data: null, error: toErrorBody(err) }))
    return () => {
      current = false
    }
  }, [key, attempt])
  const reload = useCallback(() => setAttempt((n) => n + 1), [])
  return { ...state, reload }
}

/** The value after it has stopped changing for `ms` (live previews while typing). */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value)
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms)
    return () => clearTimeout(t)
  }, [value, ms])
  return debounced
}
