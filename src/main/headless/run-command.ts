import type { Command } from 'commander'
import { AppError } from '../../shared/errors'
import type { ConfigLayers } from '../sync/config/layers'
import { CONNECT_FAILURE_CODES } from '../sync/connections/error-map'
import { cancelOnSignals } from './cancel-signals'
import { EXIT } from './exit-codes'
import { capYoungGeneration } from './young-generation'

/**
 * `db-taxi run NAME`: runs a saved sync config as a job in this process (stored in the job history
 * like any other run), prints its summary and exits 0 / 1 / 3 per the contract rules, or 128 + the
 * signal's number when SIGINT, SIGTERM or SIGHUP cancelled it (130, 143, 129).
 */
export function registerRunCommand(
  program: Command,
  deps: { withCommon: (cmd: Command) => Command; layersFrom: (o: Record<string, unknown>) => Promise<ConfigLayers>; setExit: (code: number) => void }
): void {
  deps
    .withCommon(program.command('run'))
    .argument('<name>', 'saved sync config name (case-insensitive)')
    .description('Run a saved sync config now and wait for it.')
    .option('--json', 'print the job as JSON')
    .action(async (name: string, o: Record<string, unknown>) => {
      capYoungGeneration()
      const { createSyncSystem } = await import('../sync/system')
      const system = createSyncSystem({ layers: await deps.layersFrom(o), mode: 'headless', consoleLog: true })
      let jobId: string | undefined
      // SIGINT, SIGTERM and SIGHUP cancel the job (its shadow tables dropped, its queries killed);
      // one that arrives while the system starts means the job never starts.
      const signals = cancelOnSignals(() => {
        if (jobId) system.jobs.cancel(jobId)
      })
      try {
        await system.start()
        const sync = system.syncs.findByName(name)
        if (!sync) throw new AppError('VALIDATION', `No saved sync named "${name}".`)
        if (signals.received) {
          deps.setExit(signals.exitCode())
          return
        }
        jobId = system.syncs.run(sync.id, 'cli').jobId
        const job = await system.jobs.wait(jobId)
        if (o.json) process.stdout.write(JSON.stringify(job) + '\n')
        else {
          for (const t of job.tables) {
            const v = t.verified === true ? 'verified' : t.verified === false ? 'NOT IDENTICAL' : 'not verified'
            process.stdout.write(`${t.status.padEnd(8)} ${t.source} -> ${t.target}: ${t.rowsWritten} rows, ${v}${t.error ? `  ${t.error.code}: ${t.error.message}` : ''}\n`)
          }
          process.stdout.write(`${job.status}${job.error ? `: ${job.error.code}: ${job.error.message}` : ''}\n`)
        }
        if (job.status === 'succeeded') deps.setExit(EXIT.OK)
        else if (job.status === 'cancelled') deps.setExit(signals.exitCode())
        else deps.setExit(job.error && CONNECT_FAILURE_CODES.has(job.error.code) ? EXIT.CANNOT_CONNECT : EXIT.FAILED)
      } finally {
        await system.stop(10_000)
        signals.dispose()
      }
    })
}
