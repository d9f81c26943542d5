/**
 * Splitting a byte stream into lines, for watch streams (one JSON document per line). Lines can be
 * many megabytes (big objects): chunks are collected and joined once per line, never re-scanned, so
 * the cost stays linear in the size of the stream.
 */
import { describeError } from '../structs/errors.ts';
import { StringDecoder } from 'node:string_decoder';

/** Yield the complete lines of a stream of chunks; a last line without a newline is yielded too. */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending: string[] = [];
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      pending.push(text.slice(0, newline));
      const line = pending.join('');
      pending = [];
      yield line;
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    if (text) pending.push(text);
  }
  const rest = pending.join('') + decoder.end();
  if (rest) yield rest;
}

/** The outcome of parsing one line: a value, nothing (blank line), or an error to report. */
export type ParsedLine =
  { ok: true; value: unknown } | { ok: false; error: string; excerpt: string } | undefined;

/** Parse one JSON line; blank lines are skipped, malformed ones described (never silently dropped). */
export function parseJsonLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (!trimmed) return undefined;
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (error) {
    const excerpt = trimmed.length > 200 ? `${trimmed.slice(0, 200)}… (${trimmed.length} chars)` : trimmed;
    return { ok: false, error: describeError(error), excerpt };
  }
}
