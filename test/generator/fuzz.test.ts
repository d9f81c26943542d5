/**
 * A seeded mutation run over the corpus: real CRDs, mutated in their text (YAML structure) and in their
 * values (schema shapes), each run through kopf-gen. The bar: no crash (every failure is kopf-gen's own
 * one-line error, exit 1) and no partial output (a refused run leaves no project and no staging files).
 * The seed is printed, and KOPF_GEN_FUZZ_SEED / KOPF_GEN_FUZZ_CASES replay or widen a run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, runCli } from './helpers.ts';

const SEED = Number(process.env.KOPF_GEN_FUZZ_SEED ?? 20261130);
const CASES = Number(process.env.KOPF_GEN_FUZZ_CASES ?? 1000);
/** Small and medium files keep 1,000 cases well under a minute on two shared cores. */
const MAX_BYTES = 20_000;

/** mulberry32: a tiny seeded generator, so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

const ODD_VALUES: readonly unknown[] = [
  0,
  -1,
  '',
  null,
  [],
  {},
  true,
  'object',
  'array',
  'null',
  1e308,
  'x'.repeat(2000),
  [null],
  { type: 'array' },
  { type: 'object', properties: 0 },
  { 'x-kubernetes-int-or-string': true },
  { $ref: '#/definitions/x' },
];
const ODD_KEYS = [
  'type',
  'properties',
  'items',
  'required',
  'enum',
  'additionalProperties',
  'anyOf',
  'versions',
  'storage',
  'served',
  'name',
  'kind',
  'plural',
  'group',
  'scope',
  '',
  'constructor',
  '__proto__',
  'a b',
  '*/',
];
const YAML_NOISE = [
  ':',
  ' ',
  '\t',
  '-',
  '[',
  ']',
  '{',
  '}',
  '&a',
  '*a',
  '!!binary',
  '|',
  '>',
  '#',
  "'",
  '"',
  '? ',
  '\n',
  '---\n',
  '%YAML 1.2\n',
  '\u0000',
  '\u2028',
];

/** Mutations of the text: what a bad edit or a broken file does to YAML. */
const TEXT_MUTATIONS: Array<(rng: Rng, lines: string[]) => void> = [
  (rng, lines) => void lines.splice(Math.floor(rng() * lines.length), 1),
  (rng, lines) => {
    const i = Math.floor(rng() * lines.length);
    lines.splice(i, 0, lines[i] ?? '');
  },
  (rng, lines) => {
    const i = Math.floor(rng() * lines.length);
    const j = Math.floor(rng() * lines.length);
    [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
  },
  (rng, lines) => {
    const i = Math.floor(rng() * lines.length);
    const line = lines[i] ?? '';
    const at = Math.floor(rng() * (line.length + 1));
    lines[i] = line.slice(0, at) + pick(rng, YAML_NOISE) + line.slice(at);
  },
  (rng, lines) => {
    const i = Math.floor(rng() * lines.length);
    lines[i] = (rng() < 0.5 ? ' ' : '') + (lines[i] ?? '').slice(rng() < 0.5 ? 1 : 0);
  },
  (rng, lines) => void lines.splice(Math.floor(rng() * lines.length)),
];

/** Every (container, key) of a value, to mutate one of them. */
function slots(value: unknown, into: Array<[Record<string, unknown> | unknown[], string | number]> = []) {
  if (Array.isArray(value)) {
    value.forEach((child, i) => {
      into.push([value, i]);
      slots(child, into);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      into.push([value as Record<string, unknown>, key]);
      slots(child, into);
    }
  }
  return into;
}

/** Mutations of the values: what a wrong schema does, whatever the YAML around it. */
const VALUE_MUTATIONS: Array<(rng: Rng, document: unknown) => void> = [
  (rng, document) => {
    const [container, key] = pick(rng, slots(document));
    (container as Record<string | number, unknown>)[key] = structuredClone(pick(rng, ODD_VALUES));
  },
  (rng, document) => {
    const [container, key] = pick(rng, slots(document));
    if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete container[key];
  },
  (rng, document) => {
    const objects = slots(document).filter(([c]) => !Array.isArray(c));
    const [container, key] = pick(rng, objects) as [Record<string, unknown>, string];
    const value = container[key];
    delete container[key];
    // defineProperty: a `__proto__` key must stay a key, as it is in YAML, not set the prototype.
    Object.defineProperty(container, pick(rng, ODD_KEYS), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  },
  (rng, document) => {
    const all = slots(document);
    const [from, fromKey] = pick(rng, all);
    const [to, toKey] = pick(rng, all);
    const copy = structuredClone((from as Record<string | number, unknown>)[fromKey]);
    (to as Record<string | number, unknown>)[toKey] = copy;
  },
];

function corpusFiles(): string[] {
  return readdirSync(CORPUS, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => statSync(file).size <= MAX_BYTES)
    .sort();
}

function mutate(rng: Rng, text: string): string {
  const rounds = 1 + Math.floor(rng() * 3);
  if (rng() < 0.4) {
    const lines = text.split('\n');
    for (let i = 0; i < rounds && lines.length > 0; i++) pick(rng, TEXT_MUTATIONS)(rng, lines);
    return lines.join('\n');
  }
  let documents: unknown[];
  try {
    documents = loadAll(text, { json: true });
  } catch {
    return text;
  }
  const target = documents.filter((d) => typeof d === 'object' && d !== null);
  for (let i = 0; i < rounds && target.length > 0; i++) pick(rng, VALUE_MUTATIONS)(rng, pick(rng, target));
  return documents.map((d) => dump(d, { noRefs: true, lineWidth: -1 })).join('---\n');
}

const corpusMissing = existsSync(CORPUS) ? undefined : `the CRD corpus is not at ${CORPUS}`;
if (corpusMissing) console.log(`skipping the generator fuzz run: ${corpusMissing}`);

describe.skipIf(corpusMissing)('kopf-gen under a seeded mutation run over the corpus', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-fuzz-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`${CASES} mutated CRDs: 0 crashes, 0 partial outputs`, { timeout: 300_000 }, async () => {
    const rng = random(SEED);
    const files = corpusFiles();
    const originals = files.map((file) => readFileSync(file, 'utf8'));
    const crashes: string[] = [];
    const partial: string[] = [];
    const refusals = new Map<string, number>();
    let accepted = 0;
    const started = performance.now();
    for (let i = 0; i < CASES; i++) {
      const index = Math.floor(rng() * files.length);
      const input = path.join(tmp, `case-${i}.yaml`);
      writeFileSync(input, mutate(rng, originals[index]!));
      const out = path.join(tmp, `out-${i}`);
      const what = `case ${i} (seed ${SEED}, from ${path.relative(CORPUS, files[index]!)})`;
      let run;
      try {
        run = await runCli([input, '-o', out, '-q']);
      } catch (error) {
        crashes.push(
          `${what}: threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        rmSync(out, { recursive: true, force: true });
        continue;
      }
      const leftovers = readdirSync(tmp).filter((name) => name.startsWith('.kopf-gen-'));
      if (leftovers.length > 0) partial.push(`${what}: staging left behind: ${leftovers.join(', ')}`);
      if (run.code === 0) {
        accepted++;
        if (!existsSync(path.join(out, 'deploy', 'crds.yaml')))
          partial.push(`${what}: exit 0 without a project`);
      } else {
        const lines = run.stderr.trim().split('\n');
        const own =
          run.code === 1 &&
          lines.length === 2 &&
          lines[0]!.startsWith(`kopf-gen: error: ${input}`) &&
          lines[1] === 'kopf-gen: nothing was written.';
        if (!own) crashes.push(`${what}: exit ${run.code}: ${run.stderr.slice(0, 500)}`);
        if (existsSync(out)) partial.push(`${what}: refused, but ${out} exists`);
        const reason = /: (not valid YAML|[^:]*?(?=:|$))/.exec(
          lines[0]!.slice(`kopf-gen: error: ${input}`.length),
        );
        const key = reason?.[1]?.startsWith('CustomResourceDefinition')
          ? 'CRD rule'
          : (reason?.[1] ?? 'other');
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
      }
      rmSync(input, { force: true });
      rmSync(out, { recursive: true, force: true });
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const refused = [...refusals].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`);
    console.log(
      `fuzz: seed ${SEED}, ${CASES} cases over ${files.length} corpus files in ${seconds} s: ${accepted} generated, ` +
        `${CASES - accepted} refused (${refused.join(', ')}); ${crashes.length} crashes, ${partial.length} partial outputs`,
    );
    expect(crashes.slice(0, 5)).toEqual([]);
    expect(partial.slice(0, 5)).toEqual([]);
  });
});
