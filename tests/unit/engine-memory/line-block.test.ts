import { describe, expect, it } from 'vitest'
import { LineBlock } from '../../../src/main/sync/engine/write/writers'


describe('LineBlock', () => {
  it('collects lines with their newline and hands them out as one buffer', () => {
    const b = new LineBlock(16)
    expect(b.take()).toBeNull()
    b.append(Buffer.from('a\tb'))
    b.append(Buffer.from('')) // an empty line is still a line
    b.append(Buffer.from('\\N'))
    expect(b.length).toBe(4 + 1 + 3)
    expect(b.take()!.toString('latin1')).toBe('a\tb\n\n\\N\n')
    expect(b.length).toBe(0)
    expect(b.take()).toBeNull()
  })

  it('says when a line no longer fits, counting its newline', () => {
    const b = new LineBlock(8)
    expect(b.fits(8)).toBe(true)
    expect(b.fits(9)).toBe(false)
    b.append(Buffer.from('abc'))
    expect(b.fits(4)).toBe(true)
    expect(b.fits(5)).toBe(false)
    b.append(Buffer.from('xyz'))
    expect(b.take()!.toString()).toBe('abc\nxyz\n')
  })

  it('copies rows (the driver may reuse their memory) and never reuses a block it handed out', () => {
    const b = new LineBlock(8)
    const row = Buffer.from('abc')
    b.append(row)
    row.write('XYZ')
    const first = b.take()!
    b.append(Buffer.from('def'))
    const second = b.take()!
    expect(first.toString()).toBe('abc\n')
    expect(second.toString()).toBe('def\n')
    expect(first.buffer === second.buffer && first.byteOffset === second.byteOffset).toBe(false)
  })
})
