import { describe, expect, test } from 'vitest';
import {
  isLiteralNamespace,
  literalNamespaces,
  matchAnyNamespace,
  matchNamespace,
} from '../../runtime/watching/namespaces.ts';
import { isNamespaceAlive } from '../../runtime/watching/namespace-observer.ts';

describe('namespace patterns', () => {
  test.each([
    ['default', 'default', true],
    ['default', 'defaults', false],
    ['app-*', 'app-one', true],
    ['app-*', 'other', false],
    ['app-?', 'app-1', true],
    ['app-?', 'app-12', false],
    ['a.b', 'aXb', false], // only * and ? are wildcards
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(matchNamespace(name, pattern)).toBe(expected);
  });

  test('negations un-match and later inclusive globs re-match, left to right', () => {
    const pattern = 'myapp-*, !*-pr-*, *pr-123';
    expect(matchNamespace('myapp-prod', pattern)).toBe(true);
    expect(matchNamespace('myapp-pr-7', pattern)).toBe(false);
    expect(matchNamespace('myapp-pr-123', pattern)).toBe(true);
    expect(matchNamespace('other', pattern)).toBe(false);
  });

  test('a pattern starting with a negation starts from everything', () => {
    expect(matchNamespace('anything', '!kube-*')).toBe(true);
    expect(matchNamespace('kube-system', '!kube-*')).toBe(false);
    expect(matchNamespace('kube-public', '!kube-*,kube-public')).toBe(true);
  });

  test('spaces are ignored and empty globs skipped', () => {
    expect(matchNamespace('ns1', ' ns1 , , ns2 ')).toBe(true);
    expect(matchNamespace('ns2', 'ns1,,ns2')).toBe(true);
  });

  test('several patterns: matching any of them serves the namespace', () => {
    expect(matchAnyNamespace('b', ['a', 'b*'])).toBe(true);
    expect(matchAnyNamespace('c', ['a', 'b*'])).toBe(false);
  });

  test('literal names are those without globs, negations or lists', () => {
    expect(isLiteralNamespace('ns1')).toBe(true);
    expect(['ns*', '!ns', 'a,b', 'n?'].some(isLiteralNamespace)).toBe(false);
    expect(literalNamespaces(['ns1', 'app-*', 'ns1', 'ns2'])).toEqual(['ns1', 'ns2']);
  });
});

describe('namespace liveness', () => {
  test('a namespace is served until it terminates with nothing blocking its termination', () => {
    expect(isNamespaceAlive({ metadata: { name: 'a' } })).toBe(true);
    expect(isNamespaceAlive({ metadata: { name: 'a', deletionTimestamp: 'x' } })).toBe(true);
    const terminating = (status: string) => ({
      metadata: { name: 'a', deletionTimestamp: 'x' },
      status: { conditions: [{ type: 'NamespaceFinalizersRemaining', status }] },
    });
    expect(isNamespaceAlive(terminating('True'))).toBe(true);
    expect(isNamespaceAlive(terminating('False'))).toBe(false);
  });
});
