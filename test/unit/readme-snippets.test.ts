/**
 * Every TypeScript snippet in README.md and docs/*.md is taken from a file a test runs, so the docs
 * cannot show code that does not compile or does not work (issue #6). A ```ts block starts with `// <path>`
 * naming a repository file; its other lines are verbatim excerpts of that file — runs of contiguous
 * lines, in the file's order, separated by a lone `// ...` line (trailing whitespace ignored). The
 * file must be run by a test: an `examples/<dir>/example.ts` with its `test/e2e/examples-<dir>.test.ts`,
 * or a file under `test/`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SEPARATOR = '// ...';

export interface Snippet {
  /** The nearest heading above the block. */
  heading: string;
  /** 1-based line of the opening fence in its markdown file. */
  line: number;
  lines: string[];
}

/** The ```ts blocks of a markdown text, with their headings. */
export function tsBlocks(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(\s*)```(\S*)/.exec(line);
    if (fence) {
      const end = lines.findIndex((candidate, j) => j > i && /^\s*```\s*$/.test(candidate));
      if (end < 0) throw new Error(`line ${i + 1}: unclosed code block`);
      if (fence[2] === 'ts' || fence[2] === 'typescript') {
        snippets.push({ heading, line: i + 1, lines: lines.slice(i + 1, end) });
      }
      i = end;
    } else if (/^#+\s/.test(line)) {
      heading = line.replace(/^#+\s*/, '').trim();
    }
  }
  return snippets;
}

/** The excerpt's runs of lines (between `// ...` separators), trailing whitespace trimmed. */
export function runsOf(lines: string[]): string[][] {
  const runs: string[][] = [[]];
  for (const line of lines.map((l) => l.trimEnd())) {
    if (line.trim() === SEPARATOR) runs.push([]);
    else runs.at(-1)!.push(line);
  }
  return runs.filter((run) => run.length > 0);
}

/**
 * Where each run starts in the source (0-based), each after the previous one; throws naming the
 * first run that is not there.
 */
export function locateRuns(runs: string[][], source: string[]): number[] {
  const text = source.map((line) => line.trimEnd());
  const starts: number[] = [];
  let from = 0;
  for (const run of runs) {
    let found = -1;
    for (let i = from; i + run.length <= text.length; i++) {
      if (run.every((line, k) => text[i + k] === line)) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      // Name the first line that differs where most of the run matches, for a readable failure.
      let best = { at: -1, length: 0 };
      for (let i = from; i < text.length; i++) {
        let length = 0;
        while (length < run.length && text[i + length] === run[length]) length++;
        if (length > best.length) best = { at: i, length };
      }
      const detail =
        best.at < 0
          ? `its first line is not in the file:\n  ${run[0]}`
          : `source line ${best.at + best.length + 1} differs:\n  snippet: ${run[best.length]}\n  source:  ${text[best.at + best.length]}`;
      throw new Error(
        `a run of ${run.length} line(s) is not found in order (after source line ${from}); ${detail}`,
      );
    }
    starts.push(found);
    from = found + run.length;
  }
  return starts;
}

/** Whether a test runs the file: an example with its e2e test, or a file under test/. */
function runByATest(file: string): boolean {
  const example = /^examples\/([^/]+)\/example\.ts$/.exec(file);
  if (example) return existsSync(path.join(ROOT, 'test', 'e2e', `examples-${example[1]}.test.ts`));
  return file.startsWith('test/');
}

/** The markdown files whose snippets are checked: the README and every topic page. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

const snippets = DOCUMENTS.flatMap((document) =>
  tsBlocks(readFileSync(path.join(ROOT, document), 'utf8')).map((snippet) => ({ ...snippet, document })),
);

describe('TypeScript snippets in README.md and docs/', () => {
  it('has the snippets this test expects to find', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(6);
  });

  const names = new Map<string, number>();
  for (const snippet of snippets) {
    const source = /^\/\/ (\S+)$/.exec(snippet.lines[0]?.trimEnd() ?? '')?.[1] ?? '(no source)';
    const base = `${snippet.heading} — ${source}`;
    const seen = (names.get(base) ?? 0) + 1;
    names.set(base, seen);
    const name = `${base}${seen > 1 ? ` #${seen}` : ''} (${snippet.document}:${snippet.line})`;

    it(name, () => {
      expect(source, 'the first line must be `// <path of the file it is taken from>`').not.toBe(
        '(no source)',
      );
      expect(path.normalize(source), 'a path inside the repository').toBe(source);
      expect(source.startsWith('..'), 'a path inside the repository').toBe(false);
      expect(existsSync(path.join(ROOT, source)), `${source} exists`).toBe(true);
      expect(runByATest(source), `${source} is run by a test`).toBe(true);
      const runs = runsOf(snippet.lines.slice(1));
      expect(runs.length, 'the snippet has code').toBeGreaterThan(0);
      const file = readFileSync(path.join(ROOT, source), 'utf8').split('\n');
      locateRuns(runs, file); // throws with the first run that is not in the file
    });
  }
});

describe('the excerpt check itself', () => {
  const source = ['a', '  b', 'c', 'd', 'e'];

  it('accepts ordered runs separated by `// ...`, ignoring trailing whitespace', () => {
    expect(locateRuns(runsOf(['a  ', '  b', SEPARATOR, 'd', 'e']), source)).toEqual([0, 3]);
  });

  it('rejects changed, reordered, re-indented or joined lines', () => {
    expect(() => locateRuns(runsOf(['a', 'B']), source)).toThrow(/not found/);
    expect(() => locateRuns(runsOf(['d', SEPARATOR, 'a']), source)).toThrow(/not found/);
    expect(() => locateRuns(runsOf(['a', 'b']), source)).toThrow(/not found/);
    expect(() => locateRuns(runsOf(['a', 'c']), source)).toThrow(/not found/);
  });
});
