import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The app's version from package.json, found by walking up from the bundle (out/*, src/*). */
export function appVersion(): string {
  for (const up of ['..', '../..', '../../..', '../../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'db-taxi' && pkg.version) return pkg.version
    } catch {
      // keep walking
    }
  }
  return '0.0.0-unknown'
}
