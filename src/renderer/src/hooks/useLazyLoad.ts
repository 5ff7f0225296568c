import { useCallback, useEffect, useRef, useState } from 'react'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../api/client'

export type LazyState<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'done'; data: T }
  | { status: 'error'; error: ErrorBody }

/**
 * Loads something the first time it is asked for (a tree node's children) and keeps it; `load`
 * again after an error retries, after success or while loading does nothing.
 */
export function useLazyLoad<T>(loader: () => Promise<T>): { state: LazyState<T>; load: () => void } {
  const [state, setState] = useState<LazyState<T>>({ status: 'idle' })
  const status = useRef<LazyState<T>['status']>('idle')
  const latest = useRef(loader)
  useEffect(() => {
    latest.current = loader
  }, [loader])
  const load = useCallback(() => {
    if (status.current === 'loading' || status.current === 'done') return
    status.current = 'loading'
    setState({ status: 'loading' })
    latest
      .current()
      .then((data) => {
        status.current = 'done'
        setState({ status: 'done', data })
      })
      .catch((err: unknown) => {
        status.current = 'error'
        setState({ status: 'error', error: toErrorBody(err) })
      })
  }, [])
  return { state, load }
}
