import { describe, expect, test } from 'vitest';
import { parseJsonLine, splitLines } from '../../runtime/client/lines.ts';

async function collect(chunks: Array<string | Buffer>): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const lines: string[] = [];
  for await (const line of splitLines(source())) lines.push(line);
  return lines;
}

describe('splitLines', () => {
  test('joins lines split across chunks and splits chunks holding several lines', async () => {
    expect(await collect(['{"a":', '1}\n{"b"', ':2}\n{"c":3}\n'])).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  test('yields a last line that has no newline', async () => {
    expect(await collect(['one\ntw', 'o'])).toEqual(['one', 'two']);
  });

  test('decodes a multi-byte character split between two chunks', async () => {
    const bytes = Buffer.from('{"name":"zürich"}\n');
    const cut = bytes.indexOf(0xc3) + 1; // in the middle of "ü"
    expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['{"name":"zürich"}']);
  });

  test('handles a huge line delivered in many small chunks', async () => {
    const big = JSON.stringify({ type: 'ADDED', object: { data: 'x'.repeat(8 * 1024 * 1024) } });
    const chunks: Buffer[] = [];
    const whole = Buffer.from(big + '\n{"small":true}\n');
    for (let at = 0; at < whole.length; at += 16 * 1024) chunks.push(whole.subarray(at, at + 16 * 1024));
    const began = Date.now();
    const lines = await collect(chunks);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveLength(big.length);
    expect(lines[1]).toBe('{"small":true}');
    expect(Date.now() - began).toBeLessThan(2000);
  });
});

describe('parseJsonLine', () => {
  test('parses a JSON line and skips blank ones', () => {
    expect(parseJsonLine('{"type":"ADDED"}')).toEqual({ ok: true, value: { type: 'ADDED' } });
    expect(parseJsonLine('   ')).toBeUndefined();
  });

  test('describes a malformed line with an excerpt instead of dropping it silently', () => {
    const parsed = parseJsonLine('{"type":"ADDED", oops}');
    expect(parsed).toMatchObject({ ok: false, excerpt: '{"type":"ADDED", oops}' });
    expect(parsed && !parsed.ok && parsed.error).toBeTruthy();
  });

  test('shortens the excerpt of a huge malformed line', () => {
    const parsed = parseJsonLine('{' + 'x'.repeat(10_000));
    expect(parsed && !parsed.ok && parsed.excerpt).toMatch(/… \(10001 chars\)$/);
  });
});
