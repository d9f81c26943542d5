/**
 * deploy/crds.yaml holds each input CRD's own text (comments, order, quoting) as a document of its
 * own, whatever the input file's shape: several documents, markers with comments, CRLF, a byte order
 * mark, `...` ends. What it holds always reads back as exactly the CRDs kopf-gen read, under a strict
 * parser (no duplicate keys), so kubectl and client-node apply what the types were generated from.
 */
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { emitCrdsYaml } from '../../generator/emit/deploy.ts';
import { parseCrds } from '../../generator/parse/crd.ts';
import { parseYamlDocuments } from '../../generator/parse/yaml.ts';

function crd(plural: string, extra = ''): string {
  return (
    'apiVersion: apiextensions.k8s.io/v1\n' +
    'kind: CustomResourceDefinition\n' +
    `metadata:\n  name: ${plural}.example.com\n` +
    'spec:\n' +
    '  group: example.com\n' +
    `  names: { kind: K${plural}, plural: ${plural} }   # flow style stays\n` +
    '  scope: Namespaced\n' +
    '  versions:\n' +
    '  - name: v1\n' +
    "    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: 'object'}\n" +
    extra
  );
}

/** deploy/crds.yaml for an input file's text, and the CRD documents kopf-gen read from it. */
function crdsYaml(text: string): { output: string; read: unknown[] } {
  const crds = parseCrds(parseYamlDocuments('input.yaml', text)).crds;
  return { output: emitCrdsYaml(crds), read: crds.map((c) => c.document) };
}

/** The documents of deploy/crds.yaml as a strict reader sees them (duplicate keys are an error). */
function readBack(output: string): unknown[] {
  return loadAll(output).filter((doc) => doc !== null);
}

describe('deploy/crds.yaml', () => {
  it('copies each CRD of a multi-document file with its comments, leaving out other kinds', () => {
    const input =
      '# file header\n' +
      '---\n# Source: chart/templates/gadgets.yaml\n' +
      crd('gadgets') +
      '--- # the service\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n' +
      '---\n' +
      crd('widgets', '    # trailing comment of widgets\n') +
      '---\n';
    const { output, read } = crdsYaml(input);
    expect(output).toContain(`---\n# Source: chart/templates/gadgets.yaml\n${crd('gadgets')}---\n`);
    expect(output).toContain(`---\n${crd('widgets', '    # trailing comment of widgets\n')}`);
    expect(output).not.toContain('kind: Service');
    expect(output).not.toContain('# file header');
    expect(readBack(output)).toEqual(read);
  });

  it('writes LF line breaks and no byte order mark for a CRLF file with a BOM and no final newline', () => {
    const input = `\uFEFF${crd('gadgets').replaceAll('\n', '\r\n').trimEnd()}`;
    const { output, read } = crdsYaml(input);
    expect(output).not.toMatch(/[\r\uFEFF]/);
    expect(output).toMatch(/\n---\napiVersion: apiextensions\.k8s\.io\/v1\n[^]*type: 'object'}\n$/);
    expect(readBack(output)).toEqual(read);
  });

  it('ends a document at `...`, and reads the bare document after it', () => {
    const input = `${crd('gadgets')}...\n# between\n${crd('widgets')}...\n`;
    const { output, read } = crdsYaml(input);
    expect(read).toHaveLength(2);
    expect(output).not.toContain('...');
    expect(output).toContain(`---\n# between\n${crd('widgets')}`);
    expect(readBack(output)).toEqual(read);
  });

  it('keeps content on the `---` line', () => {
    const input = `--- !!map\n${crd('gadgets')}`;
    const { output, read } = crdsYaml(input);
    expect(output).toContain(`--- !!map\n${crd('gadgets')}`);
    expect(readBack(output)).toEqual(read);
  });

  it('re-serializes a CRD with duplicate keys as read (the last one wins), so strict readers accept it', () => {
    const input = crd('gadgets').replace('  scope: Namespaced\n', '  scope: Cluster\n  scope: Namespaced\n');
    const { output, read } = crdsYaml(input);
    expect(output).not.toContain('scope: Cluster');
    expect(output).not.toContain('# flow style stays');
    expect(readBack(output)).toEqual(read);
  });

  it('re-serializes a CRD that relies on a %TAG directive of its file', () => {
    const input = `%TAG !k! tag:yaml.org,2002:\n---\n${crd('gadgets').replace('scope: Namespaced', 'scope: !k!str Namespaced')}`;
    const { output, read } = crdsYaml(input);
    expect(output).not.toContain('!k!');
    expect(readBack(output)).toEqual(read);
  });
});
