/**
 * The README is the front door and docs/ holds the topic pages: every relative link between them (and
 * into the repository) must lead to a file that exists, so moving a page never leaves a dead link.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

const DOCUMENTS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Relative link targets of a markdown text, without their `#anchor`, outside code blocks. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.replace(/#.*$/, ''));
}

describe('links in README.md and docs/', () => {
  for (const document of DOCUMENTS) {
    it(`${document}: every relative link leads to a file of the repository`, () => {
      const text = readFileSync(path.join(ROOT, document), 'utf8');
      const missing = relativeLinks(text).filter(
        (target) => !existsSync(path.resolve(ROOT, path.dirname(document), target)),
      );
      expect(missing).toEqual([]);
    });
  }

  it('finds links, and only relative ones outside code', () => {
    expect(relativeLinks('[a](docs/x.md#y) [b](https://e.org) [c](#top)\n```\n[d](no.md)\n```')).toEqual([
      'docs/x.md',
    ]);
  });
});
