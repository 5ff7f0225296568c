import type { Connection } from 'mysql2/promise'
import { describe, expect, it } from 'vitest'
import { BulkRows, BulkWriter } from '../../../src/main/sync/engine/write/bulk-writer'
import { chooseWritePath } from '../../../src/main/sync/engine/run'
import { lenencSize, rawRowsQuery, readLenenc, sendPacket, writeLenenc } from '../../../src/main/sync/engine/session/wire'

/** A text-protocol row packet's payload: each value length-encoded, NULL as 0xFB. */
function textRow(values: (string | Buffer | null)[]): Buffer {
  const parts = values.map((v) => {
    if (v === null) return Buffer.from([0xfb])
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v
    const head = Buffer.alloc(lenencSize(b.length))
    writeLenenc(head, 0, b.length)
    return Buffer.concat([head, b])
  })
  return Buffer.concat(parts)
}

/** The rows of a bulk packet, decoded back: per value its indicator and bytes (numbers as bigint). */
function decode(packet: Buffer, numeric: boolean[]): (Buffer | bigint | null)[][] {
  const head = 4 + 7 + 2 * numeric.length
  const rows: (Buffer | bigint | null)[][] = []
  let p = head
  while (p < packet.length) {
    const row: (Buffer | bigint | null)[] = []
    for (const num of numeric) {
      const indicator = packet[p++]
      if (indicator === 1) {
        row.push(null)
        continue
      }
      expect(indicator).toBe(0)
      if (num) {
        row.push(packet.readBigUInt64LE(p))
        p += 8
      } else {
        const [len, h] = readLenenc(packet, p)
        row.push(packet.subarray(p + h, p + h + len))
        p += h + len
      }
    }
    rows.push(row)
  }
  return rows
}

describe('bulk rows from text-protocol rows', () => {
  const numeric = [false, true, false, true]

  it('writes the COM_STMT_BULK_EXECUTE header with the statement id and a type per parameter', () => {
    const rows = new BulkRows(0x01020304, numeric, 64 * 1024, 16 << 20)
    rows.append(textRow(['a', '1', 'b', '2']), 0, textRow(['a', '1', 'b', '2']).length)
    const p = rows.take()!
    expect(p[4]).toBe(0xfa)
    expect(p.readUInt32LE(5)).toBe(0x01020304)
    expect(p.readUInt16LE(9)).toBe(0x80) // types sent with the packet
    expect([...p.subarray(11, 19)]).toEqual([0xfe, 0, 0x08, 0x80, 0xfe, 0, 0x08, 0x80])
  })

  it('keeps value bytes as they are, marks NULLs and turns numbers into 64-bit integers', () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const long = Buffer.alloc(70_000, 0x5c) // a 3-byte length header
    const input = [
      ['', '0', binary, '18446744073709551615'],
      [null, '65535', long, null],
      ['😀\t\n\\N', '9007199254740993', null, '7']
    ]
    const rows = new BulkRows(1, numeric, 1 << 20, 16 << 20)
    for (const r of input) {
      const t = textRow(r)
      // Rows sit inside larger buffers in practice: only [start, end) may be read.
      const framed = Buffer.concat([Buffer.from([9, 9, 9]), t, Buffer.from([9])])
      expect(rows.fits(t.length)).toBe(true)
      rows.append(framed, 3, 3 + t.length)
    }
    expect(decode(rows.take()!, numeric)).toEqual([
      [Buffer.alloc(0), 0n, binary, 18446744073709551615n],
      [null, 65535n, long, null],
      [Buffer.from('😀\t\n\\N'), 9007199254740993n, null, 7n]
    ])
    expect(rows.take()).toBeNull()
  })

  it('reports a full packet before a row would overflow it', () => {
    const rows = new BulkRows(1, [false], 1024, 16 << 20)
    const t = textRow(['x'.repeat(300)])
    let n = 0
    while (rows.fits(t.length)) {
      rows.append(t, 0, t.length)
      n++
    }
    expect(n).toBe(3)
    expect(rows.take()!.length).toBeLessThanOrEqual(1024)
  })

  it('refuses rows whose values do not match the columns', () => {
    const rows = new BulkRows(1, [false, false], 1 << 20, 16 << 20)
    const short = textRow(['a'])
    expect(() => rows.append(short, 0, short.length)).toThrow(/1 values for 2 columns/)
    const extra = textRow(['a', 'b', 'c'])
    expect(() => rows.append(extra, 0, extra.length)).toThrow(/more values/)
    const notNumber = textRow(['1x'])
    expect(() => new BulkRows(1, [true], 1 << 20, 16 << 20).append(notNumber, 0, notNumber.length)).toThrow(/expected a number/)
  })
})

describe('length-encoded integers', () => {
  it('round-trips every size class', () => {
    for (const n of [0, 250, 251, 65535, 65536, 16777215, 16777216, 2 ** 40]) {
      const b = Buffer.alloc(9)
      const end = writeLenenc(b, 0, n)
      expect(end).toBe(lenencSize(n))
      expect(readLenenc(b, 0)).toEqual([n, end])
    }
  })
})

describe('choosing the write path', () => {
  it('prefers array binding, then LOAD DATA, then INSERT', () => {
    expect(chooseWritePath('auto', { bulk: true, loadData: true })).toBe('bulk')
    expect(chooseWritePath('auto', { bulk: false, loadData: true })).toBe('load-data')
    expect(chooseWritePath('auto', { bulk: false, loadData: false })).toBe('insert')
    expect(chooseWritePath('insert', { bulk: true, loadData: true })).toBe('insert')
  })

  it('refuses a path the target does not offer', () => {
    expect(() => chooseWritePath('bulk', { bulk: false, loadData: true })).toThrow(/array binding/)
    expect(() => chooseWritePath('load-data', { bulk: true, loadData: false })).toThrow(/local_infile/)
  })
})

describe('commands written by the engine itself', () => {
  /** A stand-in for mysql2's connection: runs a command's first step and records what it writes. */
  function fakeConnection(clientFlags: number, serverFlags: number): { conn: Connection; writes: Buffer[] } {
    const writes: Buffer[] = []
    const core = {
      config: { clientFlags },
      serverCapabilityFlags: serverFlags,
      sequenceId: 0,
      _resetSequenceId() {
        core.sequenceId = 0
      },
      _bumpSequenceId(n: number) {
        core.sequenceId = (core.sequenceId + n) % 256
      },
      write(b: Buffer) {
        writes.push(Buffer.from(b))
      },
      writePacket(p: { buffer: Buffer; writeHeader(seq: number): void }) {
        p.writeHeader(core.sequenceId)
        core._bumpSequenceId(1)
        writes.push(Buffer.from(p.buffer))
      },
      addCommand(cmd: { execute(packet: undefined, c: unknown): boolean }) {
        cmd.execute(undefined, core)
      }
    }
    return { conn: { connection: core } as unknown as Connection, writes }
  }

  it('starts COM_QUERY with the attribute counts only where query attributes were agreed (MySQL 8.0.23+)', () => {
    const attrs = 0x08000000
    const plain = fakeConnection(attrs, 0)
    rawRowsQuery(plain.conn, 'SELECT 1', () => undefined, () => undefined)
    expect([...plain.writes[0]!.subarray(3)]).toEqual([0, 0x03, ...Buffer.from('SELECT 1')])
    const mysql = fakeConnection(attrs, attrs)
    rawRowsQuery(mysql.conn, 'SELECT 1', () => undefined, () => undefined)
    expect([...mysql.writes[0]!.subarray(3)]).toEqual([0, 0x03, 0, 1, ...Buffer.from('SELECT 1')])
  })

  it('frames a packet of 16 MB or more in pieces of 2^24-1 bytes, with an empty one only after an exact multiple', () => {
    /** The packet lengths on the wire, read back from everything written. */
    const framing = (payload: number): number[] => {
      const { conn, writes } = fakeConnection(0, 0)
      void sendPacket(conn, Buffer.alloc(4 + payload))
      const wire = Buffer.concat(writes)
      const sizes: number[] = []
      for (let p = 0; p < wire.length; ) {
        const n = wire.readUIntLE(p, 3)
        expect(wire[p + 3]).toBe(sizes.length) // sequence ids count up
        sizes.push(n)
        p += 4 + n
      }
      return sizes
    }
    const M = 0xffffff
    expect(framing(1000)).toEqual([1000])
    expect(framing(M - 4)).toEqual([M - 4])
    expect(framing(M - 2)).toEqual([M - 2])
    expect(framing(M)).toEqual([M, 0])
    expect(framing(M + 5)).toEqual([M, 5])
    expect(framing(2 * M - 3)).toEqual([M, M - 3])
  })
})

describe('a target that refuses array binding after all', () => {
  it('fails the chunk with a message that says which write path to choose instead', async () => {
    const refused = Object.assign(new Error('This command is not supported in the prepared statement protocol yet'), {
      code: 'ER_UNSUPPORTED_PS',
      sqlMessage: 'This command is not supported in the prepared statement protocol yet'
    })
    const core = {
      addCommand(cmd: { onResult(err: Error | null): void }) {
        queueMicrotask(() => cmd.onResult(refused))
      }
    }
    const conn = {
      connection: core,
      prepare: async () => ({ statement: { id: 7 } }),
      query: async () => [{}],
      unprepare: async () => undefined,
      destroy: () => undefined
    } as unknown as Connection
    const col = { name: 'v', kind: 'string', dataType: 'varchar', columnType: 'varchar(10)', nullable: false, generated: false, charset: null } as const
    const sink = await new BulkWriter(conn, 16 << 20, true).begin('db', 't', [col])
    const row = Buffer.from([3, 0x61, 0x62, 0x63])
    await sink.push(row)
    await expect(sink.end()).rejects.toMatchObject({ code: 'COPY_FAILED', message: expect.stringMatching(/refused array binding.*write path to load-data or insert/) })
  })
})
