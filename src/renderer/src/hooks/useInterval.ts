import { useEffect, useRef } from 'react'

/** Calls `fn` every `ms` while mounted (and `enabled`); the latest `fn` is used without restarting the timer. */
export function useInterval(fn: () => void, ms: number, enabled = true): void {
  const latest = useRef(fn)
  useEffect(() => {
    latest.current = fn
  }, [fn])
  useEffect(() => {
    if (!enabled) return
    const timer = setInterval(() => latest.current(), ms)
    return () => clearInterval(timer)
  }, [ms, enabled])
}
