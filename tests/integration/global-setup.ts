import type { TestProject } from 'vitest/node'
import { resolveTestServer, type ServerAddress } from '../helpers/mariadb'

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlServer: ServerAddress
  }
}

// Picks the MariaDB every integration test file uses and hands it to the workers.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { addr, stop } = await resolveTestServer()
  project.provide('mysqlServer', addr)
  return async () => {
    await stop?.()
  }
}
