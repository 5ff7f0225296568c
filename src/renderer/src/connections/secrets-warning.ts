import type { SystemStatus } from '../../../shared/contract'

/**
 * The secret box's warning (Electron safeStorage fell back to plain text on Linux; a headless key
 * file with loose permissions). Read defensively: `SystemStatus.secrets` is the field the desktop
 * edge needs the contract to carry; until it does, nothing is shown.
 */
type StatusWithSecrets = SystemStatus & { secrets?: { kind?: unknown; warning?: unknown } | null }

export function secretsWarningOf(status: SystemStatus | null): string | null {
  const secrets = (status as StatusWithSecrets | null)?.secrets
  const warning = secrets && typeof secrets === 'object' ? secrets.warning : undefined
  return typeof warning === 'string' && warning.trim() !== '' ? warning : null
}
