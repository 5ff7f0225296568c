import { EventEmitter } from 'node:events'
import mysqlCore from 'mysql2'
import type { Connection, ConnectionOptions } from 'mysql2/promise'
import { sessionTagPrefix } from './query-tag'

/**
 * The few protocol commands the engine speaks to a server itself, next to mysql2's own: a text
 * query whose rows arrive as the raw bytes of their packets, and prepared-statement commands sent
 * as prebuilt packets (MariaDB's COM_STMT_BULK_EXECUTE).
 *
 * They go through mysql2's command queue, so they take turns with ordinary queries on the same
 * session and mysql2 keeps the sequence ids (packets of 16 MB and more are framed here, see
 * writeCommand). The command objects follow
 * the shape of mysql2's own (`execute(packet, connection)` returning whether they are done); the
 * packets mysql2 hands them are read at once, never kept (its parser reuses them).
 */

/** The parts of mysql2's connection and packet objects these commands use. */
interface WirePacket {
  buffer: Buffer
  offset: number
  end: number
  isError(): boolean
  isEOF(): boolean
  asError(encoding?: string): Error
}

/** mysql2's own query command, as the engine listens to it (row-stream.ts). */
export interface CoreQuery {
  on(event: 'result', cb: (row: (Buffer | null)[]) => void): CoreQuery
  on(event: 'error', cb: (err: Error) => void): CoreQuery
  on(event: 'end', cb: () => void): CoreQuery
}

/** The callback-API connection under a mysql2/promise one: the one place the engine reaches for it. */
export interface WireConnection {
  query(options: object, values: unknown[]): CoreQuery
  /** Set once the session is closing or failed fatally (see isDead in writers.ts). */
  _closing?: boolean
  _fatalError?: unknown
  _protocolError?: unknown
  stream?: { destroyed?: boolean }
  writePacket(p: { buffer: Buffer; length(): number; writeHeader(seq: number): void }): void
  write(buf: Buffer): void
  sequenceId: number
  _bumpSequenceId(n: number): void
  config: { clientFlags: number }
  serverCapabilityFlags?: number
  addCommand(cmd: object): void
  _resetSequenceId(): void
  clientEncoding?: string
  pause(): void
  resume(): void
  on(event: 'error', cb: (err: Error) => void): void
  off(event: 'error', cb: (err: Error) => void): void
}

export function wireConnection(conn: Connection): WireConnection {
  return (conn as unknown as { connection: WireConnection }).connection
}

const MAX_PAYLOAD = 0xffffff

/**
 * Writes a command packet: `buf` holds 4 bytes for the header, then the payload. A payload of 16 MB
 * or more is framed here (pieces of 2^24-1 bytes, an empty one after an exact multiple): mysql2's
 * writePacket adds a stray empty packet for payloads just under each multiple, which would leave
 * the server waiting for a packet that never comes.
 */
function writeCommand(connection: WireConnection, buf: Buffer): void {
  const payload = buf.length - 4
  // mysql2 writes in one piece only while the whole buffer (header included) is under 2^24-1.
  if (buf.length < MAX_PAYLOAD) {
    connection.writePacket({
      buffer: buf,
      length: () => buf.length,
      writeHeader(seq: number) {
        buf.writeUIntLE(payload, 0, 3)
        buf[3] = seq & 0xff
      }
    })
    return
  }
  for (let off = 4; ; off += MAX_PAYLOAD) {
    const size = Math.min(MAX_PAYLOAD, buf.length - off)
    const header = Buffer.from([size & 0xff, (size >> 8) & 0xff, size >> 16, connection.sequenceId & 0xff])
    connection._bumpSequenceId(1)
    connection.write(header)
    if (size > 0) connection.write(buf.subarray(off, off + size))
    if (size < MAX_PAYLOAD) return
  }
}

/** CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23+): once agreed, every COM_QUERY starts with its attribute counts. */
const CLIENT_QUERY_ATTRIBUTES = 0x08000000

type State = ((packet: WirePacket, connection: WireConnection) => State) | null

/** What mysql2 expects of a command: `execute` per packet, 'end' when done, `onResult` on errors. */
abstract class WireCommand extends EventEmitter {
  private next: State = null
  /** Read by mysql2's debug logging, which a user may switch on in a connection's options. */
  readonly _commandName = this.constructor.name
  constructor(readonly onResult: (err: Error | null) => void) {
    super()
  }
  protected abstract start(connection: WireConnection): State

  stateName(): string {
    return this.next ? 'running' : 'start'
  }

  execute(packet: WirePacket | undefined, connection: WireConnection): boolean {
    if (!this.next) {
      connection._resetSequenceId()
      this.next = this.start(connection)
      if (!this.next) return this.finish(null)
      return false
    }
    if (packet?.isError()) return this.finish(packet.asError(connection.clientEncoding))
    this.next = packet ? this.next(packet, connection) : this.next
    return this.next ? false : this.finish(null)
  }

  private finish(err: Error | null): boolean {
    this.onResult(err)
    this.emit('end')
    return true
  }
}

/** Reads a length-encoded integer at `p`; returns the value and the header's size. */
export function readLenenc(buf: Buffer, p: number): [value: number, size: number] {
  const b = buf[p]!
  if (b < 0xfb) return [b, 1]
  if (b === 0xfc) return [buf.readUInt16LE(p + 1), 3]
  if (b === 0xfd) return [buf.readUIntLE(p + 1, 3), 4]
  if (b === 0xfe) return [Number(buf.readBigUInt64LE(p + 1)), 9]
  throw new Error(`invalid length-encoded integer (0x${b.toString(16)})`)
}

/** Writes `n` as a length-encoded integer at `p`; returns the next position. */
export function writeLenenc(buf: Buffer, p: number, n: number): number {
  if (n < 0xfb) {
    buf[p] = n
    return p + 1
  }
  if (n < 0x10000) {
    buf[p] = 0xfc
    buf.writeUInt16LE(n, p + 1)
    return p + 3
  }
  if (n < 0x1000000) {
    buf[p] = 0xfd
    buf.writeUIntLE(n, p + 1, 3)
    return p + 4
  }
  buf[p] = 0xfe
  buf.writeBigUInt64LE(BigInt(n), p + 1)
  return p + 9
}

export function lenencSize(n: number): number {
  return n < 0xfb ? 1 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 9
}

/**
 * COM_QUERY with a text result set, each row handed over as the bytes of its packet (a sequence
 * of length-encoded values, 0xFB for NULL) without making a JS object per value. The row is only
 * valid during the call.
 */
class RawRowsQuery extends WireCommand {
  private columnsLeft = 0
  constructor(
    private readonly sql: Buffer,
    private readonly onRow: (buf: Buffer, start: number, end: number) => void,
    onResult: (err: Error | null) => void
  ) {
    super(onResult)
  }

  protected start(connection: WireConnection): State {
    // As mysql2's own query command does: with query attributes agreed (MySQL 8.0.23+, never
    // MariaDB), the SQL follows a parameter count (0) and a parameter set count (1).
    const attributes = (connection.config.clientFlags & (connection.serverCapabilityFlags ?? 0) & CLIENT_QUERY_ATTRIBUTES) !== 0
    const head = attributes ? 7 : 5
    const buf = Buffer.allocUnsafe(head + this.sql.length)
    buf[4] = 0x03 // COM_QUERY
    if (attributes) {
      buf[5] = 0
      buf[6] = 1
    }
    this.sql.copy(buf, head)
    writeCommand(connection, buf)
    return this.header
  }

  private header = (packet: WirePacket): State => {
    const b = packet.buffer[packet.offset]
    if (b === 0x00) return null // no result set
    if (b === 0xfb) throw new Error('the server asked for a local file, which this query never does')
    this.columnsLeft = readLenenc(packet.buffer, packet.offset)[0]
    return this.column
  }

  private column = (): State => (--this.columnsLeft === 0 ? this.columnsEnd : this.column)

  private columnsEnd = (): State => this.row

  private row = (packet: WirePacket): State => {
    if (packet.isEOF()) return null
    this.onRow(packet.buffer, packet.offset, packet.end)
    return this.row
  }
}

export function rawRowsQuery(conn: Connection, sql: string, onRow: (buf: Buffer, start: number, end: number) => void, done: (err: Error | null) => void): void {
  wireConnection(conn).addCommand(new RawRowsQuery(Buffer.from(sessionTagPrefix(conn) + sql, 'utf8'), onRow, done))
}

export interface OkResult {
  affectedRows: number
  warnings: number
}

/** A prebuilt command packet answered by OK or ERR. */
class PacketCommand extends WireCommand {
  result: OkResult = { affectedRows: 0, warnings: 0 }
  constructor(
    private readonly packet: Buffer,
    onResult: (err: Error | null) => void
  ) {
    super(onResult)
  }

  protected start(connection: WireConnection): State {
    writeCommand(connection, this.packet)
    return this.ok
  }

  private ok = (packet: WirePacket): State => {
    // OK: 0x00, affected rows, last insert id, status flags (2), warnings (2)
    if (packet.buffer[packet.offset] !== 0x00) throw new Error(`expected an OK packet, got 0x${packet.buffer[packet.offset]!.toString(16)}`)
    let p = packet.offset + 1
    const [affected, a] = readLenenc(packet.buffer, p)
    p += a
    p += readLenenc(packet.buffer, p)[1]
    p += 2
    this.result = { affectedRows: affected, warnings: p + 2 <= packet.end ? packet.buffer.readUInt16LE(p) : 0 }
    return null
  }
}

/** Sends a command packet (4 header bytes, then the payload) and resolves with its OK. */
export function sendPacket(conn: Connection, packet: Buffer): Promise<OkResult> {
  return new Promise((resolve, reject) => {
    const cmd: PacketCommand = new PacketCommand(packet, (err) => (err ? reject(err) : resolve(cmd.result)))
    wireConnection(conn).addCommand(cmd)
  })
}

/** MARIADB_CLIENT_STMT_BULK_OPERATIONS, in the upper 32 capability bits MariaDB keeps apart. */
const BULK_OPERATIONS = 0x4
/** CLIENT_LONG_PASSWORD, which MariaDB reads as CLIENT_MYSQL: a client that leaves it unset sends extended capabilities. */
const CLIENT_MYSQL = 0x1
const NEGOTIATED = Symbol('db-taxi bulk operations')

interface Handshake {
  handshake?: { mariadbExtendedCapabilityFlags?: number }
  clientFlags: number
  mariadbExtendedClientFlags: number
  sendCredentials(c: unknown): unknown
  sendSSLRequest(c: unknown): unknown
}

/**
 * Opens a session that asks a MariaDB server for array binding (COM_STMT_BULK_EXECUTE), which the
 * server only accepts from a client that announced it at the handshake. mysql2 announces MariaDB's
 * extended capabilities (it asks for extended metadata) but not this one, so the new session's
 * handshake command is told to add it where the server offers it. `bulkOperations()` tells
 * whether that happened; where it did not (MySQL, an old MariaDB, a driver whose handshake looks
 * different), the session is an ordinary one.
 */
export function connectRequestingBulk(options: ConnectionOptions): Promise<Connection> {
  const core = mysqlCore.createConnection(options) as unknown as { _command?: Partial<Handshake>; promise(): Connection; once(e: string, cb: (x?: unknown) => void): void }
  const hs = core._command
  if (hs && typeof hs.sendCredentials === 'function' && typeof hs.sendSSLRequest === 'function' && typeof hs.mariadbExtendedClientFlags === 'number') {
    const h = hs as Handshake
    const ask = (connection: unknown): void => {
      if (((h.handshake?.mariadbExtendedCapabilityFlags ?? 0) & BULK_OPERATIONS) === 0) return
      h.clientFlags &= ~CLIENT_MYSQL
      h.mariadbExtendedClientFlags |= BULK_OPERATIONS
      ;(connection as Record<symbol, boolean>)[NEGOTIATED] = true
    }
    const credentials = h.sendCredentials.bind(h)
    const ssl = h.sendSSLRequest.bind(h)
    h.sendCredentials = (c) => (ask(c), credentials(c))
    h.sendSSLRequest = (c) => (ask(c), ssl(c))
  }
  return new Promise((resolve, reject) => {
    core.once('connect', () => resolve(core.promise()))
    core.once('error', (err) => reject(err as Error))
  })
}

/** Whether the session announced array binding to a server that offers it. */
export function bulkOperations(conn: Connection): boolean {
  return (wireConnection(conn) as unknown as Record<symbol, boolean>)[NEGOTIATED] === true
}
