/** The shared resource vocabulary: names, the selector grammar, and the built-in resources table. */
import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCE_LIST, BUILTIN_RESOURCES } from '../../common/builtins.ts';
import {
  apiVersionOf,
  qualifiedName,
  sameSelector,
  selectorKey,
  versionedName,
  type ResourceInfo,
} from '../../common/resources.ts';
import {
  parseSelector,
  queryMatches,
  queryProblem,
  readSelector,
  SelectorError,
  selectResources,
} from '../../common/selectors.ts';

const pods = BUILTIN_RESOURCES.pods;
const deployments = BUILTIN_RESOURCES['deployments.apps'];
const kopfExamples = {
  group: 'kopf.dev',
  version: 'v1',
  plural: 'kopfexamples',
  kind: 'KopfExample',
  namespaced: true,
  singular: 'kopfexample',
  shortNames: ['kex'],
};

describe('names', () => {
  test('a custom resource: apiVersion, qualified and versioned name', () => {
    expect(apiVersionOf(kopfExamples)).toBe('kopf.dev/v1');
    expect(qualifiedName(kopfExamples)).toBe('kopfexamples.kopf.dev');
    expect(versionedName(kopfExamples)).toBe('kopfexamples.v1.kopf.dev');
  });

  test('a core resource has no group in any of its names, and no trailing dot', () => {
    expect(apiVersionOf(pods)).toBe('v1');
    expect(qualifiedName(pods)).toBe('pods');
    expect(versionedName(pods)).toBe('pods.v1');
  });

  test('a selector key is the string as written, or the descriptor’s versioned name', () => {
    expect(selectorKey('deploy')).toBe('deploy');
    expect(selectorKey(deployments)).toBe('deployments.v1.apps');
  });
});

describe('parseSelector', () => {
  test.each([
    ['kopfexamples', { name: 'kopfexamples' }],
    ['KopfExample', { name: 'KopfExample' }],
    ['kex', { name: 'kex' }],
    ['kopfexamples.kopf.dev', { name: 'kopfexamples', group: 'kopf.dev' }],
    ['deployments.apps', { name: 'deployments', group: 'apps' }],
    ['kopfexamples.v1.kopf.dev', { name: 'kopfexamples', version: 'v1', group: 'kopf.dev' }],
    ['widgets.v2beta1.example.com', { name: 'widgets', version: 'v2beta1', group: 'example.com' }],
    ['pods.v1', { name: 'pods', version: 'v1' }],
    ['kopf.dev/v1/kopfexamples', { name: 'kopfexamples', group: 'kopf.dev', version: 'v1' }],
    ['apps/v1/deployments', { name: 'deployments', group: 'apps', version: 'v1' }],
    ['v1/pods', { name: 'pods', group: '', version: 'v1' }],
    ['apps/deployments', { name: 'deployments', group: 'apps' }],
  ])('%s', (text, spec) => {
    expect(parseSelector(text)).toEqual(spec);
  });

  test('a second part that looks like a version is the version, never the start of a group', () => {
    // Kopf reads it so too: a group `v1.example.com` cannot be named in a string.
    expect(parseSelector('widgets.v1.example.com')).toEqual({
      name: 'widgets',
      version: 'v1',
      group: 'example.com',
    });
    // Not a conventional version: part of the group.
    expect(parseSelector('widgets.version1.example.com')).toEqual({
      name: 'widgets',
      group: 'version1.example.com',
    });
  });

  test.each([
    ['', /is empty/],
    [' pods', /surrounding spaces/],
    ['pods.', /the group after the dot is empty/],
    ['pods..example.com', /'.example.com' is not an API group/],
    ['.kopf.dev', /'' is not a resource name/],
    ['kopf.dev/v1/', /'' is not a resource name/],
    ['a/b/c/d', /expected 'group\/version\/name'/],
    ['kopf.dev/latest/kopfexamples', /'latest' is not an API version/],
    ['pod_templates', /'pod_templates' is not a resource name/],
  ])('malformed: %j', (text, reason) => {
    expect(() => parseSelector(text)).toThrow(SelectorError);
    expect(() => parseSelector(text)).toThrow(reason);
  });

  test('the error names the selector', () => {
    expect(() => parseSelector('pods.')).toThrow("Resource selector 'pods.' is malformed");
  });

  test('readSelector returns the error instead of throwing it', () => {
    expect(readSelector('pods.apps')).toEqual({ name: 'pods', group: 'apps' });
    const error = readSelector('pods.');
    expect(error).toBeInstanceOf(SelectorError);
    expect((error as SelectorError).selector).toBe('pods.');
  });
});

describe('selectResources', () => {
  const widgetsA1 = { ...kopfExamples, group: 'a.example.com', plural: 'widgets', kind: 'Widget' };
  const widgetsA2 = { ...widgetsA1, version: 'v2' };
  const widgetsB = { ...widgetsA1, group: 'b.example.com', shortNames: [] };
  const all = [...BUILTIN_RESOURCE_LIST, kopfExamples, widgetsA1, widgetsA2, widgetsB];
  const preferred = (r: { version: string; group: string }) =>
    r.group !== 'a.example.com' || r.version === 'v2';
  const select = (text: string) => selectResources(parseSelector(text), all, preferred);

  test('by plural, singular, kind (any case) and short name', () => {
    for (const text of ['deployments', 'deployment', 'Deployment', 'deploy'])
      expect(select(text), text).toEqual([deployments]);
  });

  test('an unversioned selector sees only preferred versions; a versioned one exactly its version', () => {
    expect(select('widgets.a.example.com')).toEqual([widgetsA2]);
    expect(select('widgets.v1.a.example.com')).toEqual([widgetsA1]);
    expect(select('a.example.com/v1/widget')).toEqual([widgetsA1]);
  });

  test('the core group hides same-named resources of other groups', () => {
    expect(select('events')).toEqual([BUILTIN_RESOURCES.events]);
    expect(select('events.events.k8s.io')).toEqual([BUILTIN_RESOURCES['events.events.k8s.io']]);
    expect(select('pods.v1')).toEqual([pods]);
    expect(select('v1/pods')).toEqual([pods]);
  });

  test('a name served by several non-core groups selects them all: ambiguous', () => {
    expect(select('widgets')).toEqual([widgetsA2, widgetsB]);
    expect(select('widgets.b.example.com')).toEqual([widgetsB]);
  });

  test('a group of its own is not a core resource', () => {
    expect(select('v1/deployments')).toEqual([]);
    expect(select('pods.apps')).toEqual([]);
  });
});

describe('resource queries', () => {
  const widgets: ResourceInfo = {
    ...kopfExamples,
    plural: 'widgets',
    kind: 'Widget',
    categories: ['all', 'toys'],
  };
  const events = BUILTIN_RESOURCES.events;
  const newEvents = BUILTIN_RESOURCES['events.events.k8s.io'];

  test('everything selects every preferred version of every group, but never Events', () => {
    const everything = { everything: true } as const;
    expect(queryMatches(everything, widgets, true)).toBe(true);
    expect(queryMatches(everything, pods, true)).toBe(true);
    expect(queryMatches(everything, widgets, false)).toBe(false);
    expect(queryMatches(everything, events, true)).toBe(false);
    expect(queryMatches(everything, newEvents, true)).toBe(false);
  });

  test('group and version narrow a query; the core group is the empty group', () => {
    expect(queryMatches({ everything: true, group: 'kopf.dev' }, widgets, true)).toBe(true);
    expect(queryMatches({ everything: true, group: 'kopf.dev' }, pods, true)).toBe(false);
    expect(queryMatches({ everything: true, group: '' }, pods, true)).toBe(true);
    expect(queryMatches({ everything: true, version: 'v1' }, widgets, false)).toBe(true);
    expect(queryMatches({ everything: true, version: 'v2' }, widgets, true)).toBe(false);
  });

  test('a category selects the resources that declare it, Events included if they did', () => {
    expect(queryMatches({ category: 'toys' }, widgets, true)).toBe(true);
    expect(queryMatches({ category: 'toys' }, pods, true)).toBe(false);
    expect(queryMatches({ category: 'all' }, { ...events, categories: ['all'] }, true)).toBe(true);
  });

  test("a predicate sees every version (as Kopf's callables), but never Events", () => {
    const seen: string[] = [];
    const where = (resource: ResourceInfo) => (seen.push(resource.plural), resource.kind === 'Widget');
    expect(queryMatches({ where }, widgets, false)).toBe(true);
    expect(queryMatches({ where }, pods, true)).toBe(false);
    expect(queryMatches({ where: () => true }, events, true)).toBe(false);
    expect(queryMatches({ where, version: 'v2' }, widgets, true)).toBe(false);
    expect(seen).toEqual(['widgets', 'pods']);
  });

  test('a query must select by something, and its fields must be well-formed', () => {
    expect(queryProblem({ group: 'kopf.dev' })).toBe(
      'a resource query needs `everything: true`, a `category` or a `where` predicate',
    );
    expect(queryProblem({ category: 'all', group: 'Kopf.Dev' })).toBe('"Kopf.Dev" is not an API group');
    expect(queryProblem({ category: 'all', version: '1' })).toBe('"1" is not an API version');
    expect(queryProblem({ category: 'no such' })).toBe('the category "no such" is not a name');
    expect(queryProblem({ everything: true, group: '' })).toBeUndefined();
  });

  test('queries are named by their fields, and are the same only as the same object', () => {
    const named = function isWidget() {
      return true;
    };
    expect(selectorKey({ everything: true, group: 'kopf.dev' })).toBe('{everything,group=kopf.dev}');
    expect(selectorKey({ category: 'all' })).toBe('{category=all}');
    expect(selectorKey({ where: named })).toBe('{where=isWidget}');
    const query = { category: 'all' };
    expect(sameSelector(query, query)).toBe(true);
    expect(sameSelector(query, { category: 'all' })).toBe(false);
    expect(sameSelector('pods', pods)).toBe(false);
    expect(sameSelector('pods.v1', pods)).toBe(true);
  });
});

describe('built-in resources table', () => {
  test('each row is keyed by its qualified name', () => {
    for (const [key, resource] of Object.entries(BUILTIN_RESOURCES))
      expect(qualifiedName(resource)).toBe(key);
  });

  test('every short name selects exactly its own resource', () => {
    for (const resource of BUILTIN_RESOURCE_LIST) {
      for (const short of resource.shortNames ?? []) {
        if (short === 'ev') continue; // both `events`: the core one wins, as in kubectl
        expect(selectResources(parseSelector(short), BUILTIN_RESOURCE_LIST), short).toEqual([resource]);
      }
    }
  });
});
