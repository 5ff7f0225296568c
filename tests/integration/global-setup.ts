import type { TestProject } from 'vitest/node'
import { resolveTestServer, type ServerAddress } from '../helpers/mariadb'
import { buildCli } from '../helpers/cli'

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlServer: ServerAddress
  }
}

// Picks the MariaDB every integration test file uses and hands it to the workers.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Integration tests run the real `db-taxi` command; build it from the current sources first.
  buildCli()
  const { addr, stop } = await resolveTestServer()
  project.provide('mysqlServer', addr)
  return async () => {
    await stop?.()
  }
}
