import { describe, expect, it } from 'vitest'
import { SseParser } from '../../../src/renderer/src/transport/sse'

describe('SseParser', () => {
  it('parses one frame with event and data', () => {
    const p = new SseParser()
    expect(p.push('event: job.status\ndata: {"jobId":"j1"}\n\n')).toEqual([
      { event: 'job.status', data: '{"jobId":"j1"}' }
    ])
  })

  it('returns several frames from one chunk', () => {
    const p = new SseParser()
    const frames = p.push('event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n')
    expect(frames.map((f) => [f.event, f.data])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3']
    ])
  })

  it('keeps a partial line across chunk boundaries, wherever the split falls', () => {
    const text = 'event: job.progress\ndata: {"rowsRead":42,"table":"t"}\n\nevent: job.log\ndata: {"message":"hi"}\n\n'
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser()
      const frames = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))]
      expect(frames, `cut at ${cut}`).toEqual([
        { event: 'job.progress', data: '{"rowsRead":42,"table":"t"}' },
        { event: 'job.log', data: '{"message":"hi"}' }
      ])
    }
  })

  it('handles byte-by-byte feeding', () => {
    const p = new SseParser()
    const frames = []
    for (const ch of 'event: x\r\ndata: {"a":1}\r\n\r\n') frames.push(...p.push(ch))
    expect(frames).toEqual([{ event: 'x', data: '{"a":1}' }])
  })

  it('accepts CRLF and lone CR line endings, including a CRLF split between chunks', () => {
    const p = new SseParser()
    expect(p.push('event: a\r\ndata: 1\r')).toEqual([])
    // The LF completes the CRLF begun above; the CR is the blank line that ends the frame.
    expect(p.push('\n\r')).toEqual([{ event: 'a', data: '1' }])
    expect(p.push('\nevent: b\rdata: 2\r\r')).toEqual([{ event: 'b', data: '2' }])
    // A lone CR at a chunk end followed by a new line (not an LF) is still just one line end.
    expect(p.push('data: 3\r')).toEqual([])
    expect(p.push('\r')).toEqual([{ event: 'message', data: '3' }])
  })

  it('ignores comment lines and keepalives', () => {
    const p = new SseParser()
    expect(p.push(': keepalive\n\n')).toEqual([])
    expect(p.push(':ping\nevent: a\n: inside a frame\ndata: 1\n\n')).toEqual([{ event: 'a', data: '1' }])
  })

  it('does not dispatch a frame without data, and resets the event name after each frame', () => {
    const p = new SseParser()
    expect(p.push('event: lonely\n\n')).toEqual([])
    expect(p.push('data: x\n\n')).toEqual([{ event: 'message', data: 'x' }])
  })

  it('joins multiple data lines with a newline and strips only one leading space', () => {
    const p = new SseParser()
    expect(p.push('data:a\ndata:  b\ndata\n\n')).toEqual([{ event: 'message', data: 'a\n b\n' }])
  })

  it('reads id and retry, ignores unknown fields', () => {
    const p = new SseParser()
    expect(p.push('id: 7\nretry: 2500\nfoo: bar\nevent: a\ndata: 1\n\n')).toEqual([
      { event: 'a', data: '1', id: '7', retry: 2500 }
    ])
  })

  it('waits for the blank line before dispatching and forgets a half frame on reset', () => {
    const p = new SseParser()
    expect(p.push('event: a\ndata: 1\n')).toEqual([])
    p.reset()
    expect(p.push('event: b\ndata: 2\n\n')).toEqual([{ event: 'b', data: '2' }])
  })
})
