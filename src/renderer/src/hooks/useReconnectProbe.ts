import { useConnectivity } from '../stores/connectivity'
import { useStatus } from '../stores/status'
import { useInterval } from './useInterval'

/**
 * While the backend is down, ask it for its status every 5 s from whatever page is open, so the banner
 * clears as soon as it is back even on pages that make no calls of their own.
 */
export function useReconnectProbe(): void {
  const up = useConnectivity((s) => s.up)
  useInterval(() => void useStatus.getState().refresh(), 5000, !up)
}
