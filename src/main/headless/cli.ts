import { Command, CommanderError } from 'commander'
import { rangeText, type ConfigKey } from '../../shared/config-keys'
import { AppError } from '../../shared/errors'
import type { ConfigLayers } from '../sync/config/layers'
import { ConfigError } from '../sync/config/config-error'
import { appVersion } from '../sync/version'
import { registerConnectionCommands } from './connections-command'
import { EXIT } from './exit-codes'
import { registerSyncCommands } from './sync-command'
import { registerRunCommand } from './run-command'
import { registerConfigCommands } from './config-commands'

// Commands load what they need when they run (dynamic imports, kept lazy by the bundler), so a
// `db-taxi sync` or `verify` in a cron job does not pay for the HTTP server, the store or logging.

/**
 * The `db-taxi` command line. Results go to stdout (JSON with --json), logs and progress to stderr.
 * Exit codes: 0 ok, 1 ran and failed, 2 usage or config, 3 could not connect or prepare; a run cancelled
 * by a signal exits 128 + its number: 130 SIGINT (Ctrl+C), 143 SIGTERM, 129 SIGHUP (exit-codes.ts).
 */

type Flags = Partial<Record<ConfigKey, { value: string; flag: string }>>

interface CommonOptions {
  config?: string
  dataDir?: string
  logLevel?: string
  logFormat?: string
}

function commonFlags(o: CommonOptions): Flags {
  const flags: Flags = {}
  if (o.dataDir !== undefined) flags.data_dir = { value: o.dataDir, flag: '--data-dir' }
  if (o.logLevel !== undefined) flags['logging.level'] = { value: o.logLevel, flag: '--log-level' }
  if (o.logFormat !== undefined) flags['logging.format'] = { value: o.logFormat, flag: '--log-format' }
  return flags
}

async function layersFor(flags: Flags, configFile: string | undefined): Promise<ConfigLayers> {
  if (configFile !== undefined && configFile.trim() === '') throw new ConfigError('--config expects the path of a YAML file, got ""')
  const { loadBootLayers } = await import('../sync/config/layers')
  return loadBootLayers({ flags, env: process.env, configFile })
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'YAML config file')
    .option('--data-dir <dir>', 'data directory (default ~/.db-taxi)')
    .option('--log-level <level>', 'error, warn, info or debug')
    .option('--log-format <format>', 'text or json')
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command()
    .name('db-taxi')
    .description('Fast, verified MySQL/MariaDB data cloning and sync.')
    .version(appVersion())
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })

  withCommon(program.command('serve'))
    .description('Run the HTTP API and the web UI (headless mode).')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <port>', `port to listen on, ${rangeText('server.port')} (default 8080; 0 picks a free one)`)
    .option('--token <token>', 'bearer token for /api (prefer DBT_SERVER_TOKEN: flags show in the process list)')
    .action(async (o: CommonOptions & { host?: string; port?: string; token?: string }) => {
      const flags = commonFlags(o)
      if (o.host !== undefined) flags['server.host'] = { value: o.host, flag: '--host' }
      if (o.port !== undefined) flags['server.port'] = { value: o.port, flag: '--port' }
      if (o.token !== undefined) flags['server.token'] = { value: o.token, flag: '--token' }
      const { serve } = await import('./serve')
      setExit(await serve(await layersFor(flags, o.config), { stdout: process.stdout }))
    })

  const config = program.command('config').description('Inspect the configuration.')
  withCommon(config.command('print'))
    .description('Show the effective configuration and where each value comes from (secrets redacted).')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { json?: boolean }) => {
      const { configRows, formatConfigTable } = await import('./config-print')
      const { rows, warnings } = configRows(await layersFor(commonFlags(o), o.config))
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`)
      process.stdout.write(o.json ? JSON.stringify(rows, null, 2) + '\n' : formatConfigTable(rows) + '\n')
      setExit(EXIT.OK)
    })

  const common = {
    withCommon,
    layersFrom: (o: Record<string, unknown>) => layersFor(commonFlags(o as CommonOptions), (o as CommonOptions).config),
    setExit
  }
  registerSyncCommands(program, common)
  registerConnectionCommands(program, common)
  registerRunCommand(program, common)
  registerConfigCommands(program, common)

  return program
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK
  const program = buildProgram((c) => (code = c))
  try {
    await program.parseAsync(argv)
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; everything else commander rejects is a usage error.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`db-taxi: config error: ${err.message}\n`)
      return EXIT.USAGE
    }
    if (err instanceof AppError) {
      process.stderr.write(`db-taxi: ${err.code}: ${err.message}\n`)
      const usage = ['VALIDATION', 'CONFIG_INVALID', 'NOT_FOUND', 'PASSPHRASE_INVALID'].includes(err.code)
      return usage ? EXIT.USAGE : EXIT.CANNOT_CONNECT
    }
    process.stderr.write(`db-taxi: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`)
    return EXIT.FAILED
  }
}

/**
 * Resolves once everything written to the stream has been handed to the OS. Into a pipe, Node writes
 * asynchronously: exiting before this cut `db-taxi export | ...` off at 64 KiB, and a cut YAML
 * document can still parse (then `apply --prune` would delete what the lost part named).
 */
export function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve()
    // The callback of an empty write runs after every earlier write; with an error (EPIPE: the reader
    // went away) too. A reader that neither reads nor closes does not hold the exit forever.
    setTimeout(resolve, 10_000).unref()
    stream.write('', () => resolve())
  })
}

/** Exits with the command's code once stdout and stderr are written out, not waiting on stray handles (pools, timers). */
export async function finish(code: number): Promise<void> {
  process.exitCode = code
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  setImmediate(() => process.exit(code))
}

if (require.main === module) {
  void main(process.argv).then(finish)
}
