import type { Connection } from 'mysql2/promise'
import { AppError, type ErrorBody } from '../../../shared/errors'
import { keyToJson, planChunks, rangesPartitionExactly, type ChunkRange } from './chunks'
import { errorBody } from './copy-table'
import { openSession, type Endpoint } from './endpoint'
import { resolveTasks, type TableSelection } from './plan'
import { readTableInfo, tableExists } from './schema'
import { chunkSum, earlier, firstDifference, tableCount, type FirstDifference } from './verify'

/**
 * Verification on its own (`db-taxi verify`): the same chunk checksums a run ends with, between
 * any source and target, in parallel on both sides.
 */

export interface VerifySpec {
  source: Endpoint
  target: Endpoint
  sourceDatabase: string
  targetDatabase: string
  selection: TableSelection
  parallelism: number
  chunkRows: number
}

export interface TableVerifyResult {
  source: string
  target: string
  sourceRows: number
  targetRows: number
  chunks: number
  identical: boolean
  firstDifference?: FirstDifference
  error?: ErrorBody
  durationMs: number
}

export interface VerifyReport {
  identical: boolean
  durationMs: number
  tables: TableVerifyResult[]
}

export async function verifyTables(spec: VerifySpec): Promise<VerifyReport> {
  const started = Date.now()
  const parallel = Math.max(1, spec.parallelism)
  const sources: Connection[] = []
  const targets: Connection[] = []
  try {
    for (let i = 0; i < parallel; i++) {
      const src = await openSession(spec.source, 'meta')
      sources.push(src)
      // Verification only reads; a user's filter cannot write either.
      await src.query('SET SESSION TRANSACTION READ ONLY')
      targets.push(await openSession(spec.target, 'meta'))
    }
    const tasks = await resolveTasks(sources[0]!, spec.sourceDatabase, spec.selection)
    const tables: TableVerifyResult[] = []
    for (const task of tasks) {
      const t0 = Date.now()
      const r: TableVerifyResult = { source: task.source, target: task.target, sourceRows: 0, targetRows: 0, chunks: 0, identical: false, durationMs: 0 }
      tables.push(r)
      try {
        const info = await readTableInfo(sources[0]!, spec.sourceDatabase, task.source)
        if (!(await tableExists(targets[0]!, spec.targetDatabase, task.target))) {
          throw new AppError('TABLE_NOT_FOUND', `Target table ${spec.targetDatabase}.${task.target} does not exist.`)
        }
        const ex = new Set(task.excludeColumns)
        const columns = info.columns.filter((c) => !c.generated && !ex.has(c.name))
        const planner = planChunks(sources[0]!, info, { chunkRows: spec.chunkRows, where: task.where })
        let first: FirstDifference | null = null
        const worker = async (i: number): Promise<void> => {
          for (;;) {
            const next = await planner.next()
            if (next.done) return
            const range: ChunkRange = next.value
            r.chunks++
            const src = { conn: sources[i]!, database: spec.sourceDatabase, table: task.source, where: task.where }
            const tgt = { conn: targets[i]!, database: spec.targetDatabase, table: task.target }
            const [a, b] = await Promise.all([chunkSum(src, columns, info.key, range), chunkSum(tgt, columns, info.key, range)])
            r.sourceRows += a.rows
            r.targetRows += b.rows
            if (a.rows !== b.rows || a.hash !== b.hash) {
              const d: FirstDifference = {
                chunk: range.index,
                after: keyToJson(range.after),
                upTo: keyToJson(range.upTo),
                sourceRows: a.rows,
                targetRows: b.rows
              }
              if (info.key) Object.assign(d, await firstDifference(src, tgt, columns, info.key, range))
              if (earlier(d, first)) first = d
            }
          }
        }
        await Promise.all(Array.from({ length: parallel }, (_, i) => worker(i)))
        if (!first && r.chunks > 1 && !rangesPartitionExactly(info.key)) {
          // Every row must have been in exactly one chunk, on both sides.
          const [sourceRows, targetRows] = await Promise.all([
            tableCount({ conn: sources[0]!, database: spec.sourceDatabase, table: task.source, where: task.where }),
            tableCount({ conn: targets[0]!, database: spec.targetDatabase, table: task.target })
          ])
          if (sourceRows !== r.sourceRows || targetRows !== r.targetRows) {
            first = { after: null, upTo: null, sourceRows, targetRows }
            r.sourceRows = sourceRows
            r.targetRows = targetRows
          }
        }
        r.identical = first === null
        if (first) r.firstDifference = first
      } catch (err) {
        r.error = errorBody(err)
      }
      r.durationMs = Date.now() - t0
    }
    return { identical: tables.every((t) => t.identical), durationMs: Date.now() - started, tables }
  } finally {
    await Promise.all([...sources, ...targets].map((c) => c.end().catch(() => c.destroy())))
  }
}
