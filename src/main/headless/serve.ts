import { join } from 'node:path'
import { createDispatcher } from '../api/dispatcher'
import { createHandlers } from '../api/handlers'
import { effectiveConfig, type ConfigLayers } from '../sync/config/layers'
import { Redactor } from '../sync/logging/redact'
import { createSyncSystem } from '../sync/system'
import { createHttpServer } from './http-server'
import { resolveServerToken, servingBanner } from './server-token'
import { EXIT } from './exit-codes'

/**
 * `db-taxi serve`: start order of the design (config, logger, store, sync system, transport) and
 * the reverse on SIGINT/SIGTERM, bounded so a stuck part cannot keep the process alive.
 */
export async function serve(layers: ConfigLayers, io: { stdout: NodeJS.WritableStream & { isTTY?: boolean } }): Promise<number> {
  const redactor = new Redactor()
  const system = createSyncSystem({ layers, mode: 'headless', redactor })
  const config = system.config()
  const { token, source } = resolveServerToken(config['server.token'], system.dataDir)
  redactor.addSecret(token)
  await system.start()

  const dispatch = createDispatcher(createHandlers(system), system.logger)
  const server = createHttpServer({
    system,
    dispatch,
    token,
    host: config['server.host'],
    port: config['server.port'],
    rendererDir: join(__dirname, '..', 'renderer'),
    readTimeoutMs: config['server.read_timeout'],
    writeTimeoutMs: config['server.write_timeout']
  })
  let port: number
  try {
    ;({ port } = await server.listen())
  } catch (err) {
    system.logger.error(`cannot listen on ${config['server.host']}:${config['server.port']}: ${(err as Error).message}`)
    await system.stop()
    return EXIT.CANNOT_CONNECT
  }
  const shownHost = config['server.host'].includes(':') ? `[${config['server.host']}]` : config['server.host']
  const url = `http://${shownHost}:${port}/`
  system.logger.info('serving', { url, source, dataDir: system.dataDir })
  return new Promise<number>((resolve) => {
    let stopping = false
    const shutdown = (signal: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      system.logger.info(`received ${signal}; shutting down`)
      const hardStop = setTimeout(() => resolve(signal === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.OK), 20_000)
      hardStop.unref()
      void (async () => {
        server.stopAccepting()
        await system.stop(10_000).catch(() => undefined)
        await server.close(3_000).catch(() => undefined)
        clearTimeout(hardStop)
        resolve(signal === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.OK)
      })()
    }
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
    // A closed terminal or a supervisor's reload: the same orderly stop (jobs end interrupted and resume).
    process.once('SIGHUP', shutdown)
    // The banner only once the handlers are in place: whoever waits for it may signal at once.
    io.stdout.write(
      servingBanner({
        url,
        token,
        source,
        origin: effectiveConfig(layers).origins['server.token'],
        tokenFile: join(system.dataDir, 'server-token'),
        isTTY: io.stdout.isTTY === true
      })
    )
  })
}
