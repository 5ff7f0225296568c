import { describe, expect, it } from 'vitest'
import { BulkRows } from '../../../src/main/sync/engine/bulk-writer'
import { chooseWritePath } from '../../../src/main/sync/engine/run'
import { lenencSize, readLenenc, writeLenenc } from '../../../src/main/sync/engine/wire'

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
