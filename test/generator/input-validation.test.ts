/**
 * Input the API server would refuse, or that would exhaust kopf-gen, is refused with the file, the
 * document, the line and the rule, and nothing is written; deep but valid CRDs generate.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';

let tmp: string;
let crd: string;
let project: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-input-'));
  crd = path.join(tmp, 'crd.yaml');
  project = path.join(tmp, 'operator');
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A valid CRD of one version; `versions` and `schema` are YAML text at their indentation. */
function crdYaml({
  header = '',
  group = 'example.com',
  versions,
  schema = 'type: object',
}: { header?: string; group?: string; versions?: string; schema?: string } = {}): string {
  const schemaLines = schema
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
  return (
    'apiVersion: apiextensions.k8s.io/v1\n' +
    'kind: CustomResourceDefinition\n' +
    'metadata:\n' +
    `  name: gadgets.${group}\n` +
    header +
    'spec:\n' +
    `  group: ${group}\n` +
    '  names: { kind: Gadget, plural: gadgets }\n' +
    '  scope: Namespaced\n' +
    '  versions:\n' +
    (versions ??
      '  - name: v1\n' +
        '    served: true\n' +
        '    storage: true\n' +
        '    schema:\n' +
        '      openAPIV3Schema:\n' +
        `${schemaLines}\n`)
  );
}

async function refused(text: string): Promise<string> {
  writeFileSync(crd, text);
  const run = await runCli([crd, '-o', project]);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/nothing was written/);
  expect(existsSync(project)).toBe(false);
  return run.stderr;
}

describe('YAML that would exhaust kopf-gen', () => {
  it('refuses an alias bomb (nine levels of nine aliases) at once, naming the file', async () => {
    const levels = ['    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 9; i++)
      levels.push(
        `    a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const stderr = await refused(crdYaml({ header: `  annotations:\n${levels.join('\n')}\n` }));
    expect(stderr).toMatch(
      /crd\.yaml:1 \(document 1\): its aliases expand to more than 1,000,000 nodes \(a YAML alias bomb\?\)/,
    );
  });

  it('refuses an alias inside its own anchor (a cycle no JSON value can hold)', async () => {
    const stderr = await refused(crdYaml({ header: '  annotations: &loop { self: *loop }\n' }));
    expect(stderr).toMatch(/crd\.yaml:1 \(document 1\): an alias refers to a node that contains it/);
  });

  it('reads the ordinary aliases real CRDs use', async () => {
    const schema = 'type: object\nproperties:\n  a: &str { type: string }\n  b: *str';
    writeFileSync(crd, crdYaml({ schema }));
    const run = await runCli([crd, '-o', project, '-q']);
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('deep schemas', () => {
  it('generates a schema nested 120 objects deep (past the YAML parser default of 100 collections)', async () => {
    let schema = 'type: object\nproperties:';
    let indent = '  ';
    for (let level = 0; level < 120; level++) {
      schema += `\n${indent}l${level}:\n${indent}  type: object\n${indent}  properties:`;
      indent += '    ';
    }
    schema += `\n${indent}leaf: { type: string }`;
    writeFileSync(crd, crdYaml({ schema }));
    const run = await runCli([crd, '-o', project, '-q']);
    expect(run.code, run.stderr).toBe(0);
    const types = readFileSync(path.join(project, 'src/generated/example.com/v1/gadget.ts'), 'utf8');
    expect(types).toMatch(/leaf\?: string;/);
  });
});

describe('what the API server would reject is refused with the document, line and rule', () => {
  const cases: Array<[string, Parameters<typeof crdYaml>[0], RegExp]> = [
    [
      'root properties that are not a mapping',
      { schema: 'type: object\nproperties: 0' },
      /crd\.yaml:16 \(document 1\): CustomResourceDefinition gadgets\.example\.com: spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties: must be a mapping of schemas, not the number 0; the API server would reject it/,
    ],
    [
      'required that is not a list',
      { schema: 'type: object\nrequired: -1' },
      /crd\.yaml:16 .*openAPIV3Schema\.required: must be a list of property names, not the number -1/,
    ],
    [
      'enum that is not a list',
      { schema: "type: object\nproperties:\n  color: { type: string, enum: '' }" },
      /crd\.yaml:17 .*openAPIV3Schema\.properties\.color\.enum: must be a list of values, not the string ""/,
    ],
    [
      'no storage version',
      {
        versions:
          '  - name: v1\n    served: true\n    storage: false\n    schema: { openAPIV3Schema: { type: object } }\n',
      },
      /crd\.yaml:9 .*spec\.versions: exactly one version must be marked storage: true \(0 are\)/,
    ],
    [
      'two storage versions',
      {
        versions:
          '  - name: v1\n    served: true\n    storage: true\n    schema: { openAPIV3Schema: { type: object } }\n' +
          '  - name: v2\n    served: true\n    storage: true\n    schema: { openAPIV3Schema: { type: object } }\n',
      },
      /spec\.versions: exactly one version must be marked storage: true \(2 are\)/,
    ],
    [
      'a version listed twice',
      {
        versions:
          '  - name: v1\n    served: true\n    storage: true\n    schema: { openAPIV3Schema: { type: object } }\n' +
          '  - name: v1\n    served: true\n    storage: false\n    schema: { openAPIV3Schema: { type: object } }\n',
      },
      /crd\.yaml:14 .*spec\.versions\[1\]\.name: version v1 is listed twice/,
    ],
    [
      'a root that is not an object',
      { schema: 'type: string' },
      /crd\.yaml:15 .*openAPIV3Schema\.type: the root of the schema must be type: object/,
    ],
    [
      'an array without items',
      { schema: 'type: object\nproperties:\n  tags: { type: array }' },
      /crd\.yaml:17 .*properties\.tags\.type: an array needs items/,
    ],
    [
      'properties together with additionalProperties',
      {
        schema:
          'type: object\nproperties:\n  m:\n    type: object\n    properties: { a: { type: string } }\n    additionalProperties: { type: string }',
      },
      /crd\.yaml:20 .*properties\.m\.additionalProperties: cannot be given together with properties/,
    ],
    [
      'an unsupported $ref',
      { schema: "type: object\nproperties:\n  r: { $ref: '#/definitions/x' }" },
      /properties\.r\.\$ref: not supported in CRD schemas/,
    ],
    [
      'type null',
      { schema: 'type: object\nproperties:\n  n: { type: "null" }' },
      /properties\.n\.type: cannot be null; use nullable: true/,
    ],
    [
      'a group without a dot',
      { group: 'example' },
      /crd\.yaml:\d+ .*spec\.group: must be a domain with at least one dot/,
    ],
    [
      'a map list without keys',
      {
        schema:
          'type: object\nproperties:\n  ports:\n    type: array\n    x-kubernetes-list-type: map\n    items: { type: object }',
      },
      /crd\.yaml:19 .*properties\.ports\.x-kubernetes-list-type: map needs x-kubernetes-list-map-keys/,
    ],
    [
      'x-kubernetes-preserve-unknown-fields: false',
      { schema: 'type: object\nx-kubernetes-preserve-unknown-fields: false' },
      /openAPIV3Schema\.x-kubernetes-preserve-unknown-fields: must be true or absent/,
    ],
  ];

  it.each(cases)('%s', async (_what, options, message) => {
    expect(await refused(crdYaml(options))).toMatch(message);
  });
});
