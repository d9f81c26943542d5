/**
 * Managed webhook configurations on the real API server: created at start, updated (patched, not
 * re-created) when the operator comes back with another handler, and cleaned up at exit down to the
 * persistent handlers — whose failure policy then decides what happens while no operator runs.
 */
import { describe, expect, it } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import {
  admissionFixture,
  createWidget,
  deleteManaged,
  loopbackServer,
  managedWebhooks,
  rejection,
  waitUntilWebhooksActive,
  widget,
  widgetResource,
} from './admission-kit.ts';
import { freshNamespace } from '../../runtime/testing/index.ts';
import { runOperator } from './operator-kit.ts';

const PLURAL = 'gadgets';
const KIND = 'Gadget';
const GADGETS = widgetResource(PLURAL, KIND);
const fixture = admissionFixture(PLURAL, KIND, 'managed');

/** Handlers that reject `field: wrong`; `strict` blocks when unreachable, `lenient` admits. */
function registerHandlers(registry: kopf.Registry, options: { withAdded?: boolean } = {}): void {
  const rejectWrong = ({ spec }: kopf.AdmissionArgs<{ field?: string }>) => {
    if (spec.field === 'wrong') throw new kopf.AdmissionError('wrong');
  };
  kopf.on.validate(GADGETS, rejectWrong, { registry, id: 'transient' });
  kopf.on.validate(GADGETS, rejectWrong, {
    registry,
    id: 'strict',
    persistent: true,
    labels: { policy: 'fail' },
  });
  kopf.on.validate(GADGETS, rejectWrong, {
    registry,
    id: 'lenient',
    persistent: true,
    ignoreFailures: true,
    labels: { policy: 'ignore' },
  });
  kopf.on.mutate(
    GADGETS,
    function stamp({ patch }) {
      patch.metadata.labels['stamped'] = 'yes';
    },
    { registry },
  );
  if (options.withAdded) kopf.on.validate(GADGETS, rejectWrong, { registry, id: 'added' });
}

describe('managed webhook configurations', () => {
  const { kc } = fixture;
  it('are created, updated when a handler is added, and cleaned up on exit', async () => {
    const { namespace, managed } = fixture;
    const first = new kopf.Registry();
    registerHandlers(first);
    const one = runOperator(kc, {
      registry: first,
      namespaces: [namespace],
      settings: { admission: { server: loopbackServer(), managed } },
    });
    await waitUntilWebhooksActive(() =>
      createWidget(kc, namespace, PLURAL, widget(KIND, 'probe', { field: 'wrong' }), { dryRun: 'All' }),
    );
    const created = await managedWebhooks(kc, 'validating', managed);
    expect(created?.names).toEqual([`transient.${managed}`, `strict.${managed}`, `lenient.${managed}`]);
    expect((await managedWebhooks(kc, 'mutating', managed))?.names).toEqual([`stamp.${managed}`]);
    await one.stop();
    expect((await managedWebhooks(kc, 'validating', managed))?.names).toEqual([
      `strict.${managed}`,
      `lenient.${managed}`,
    ]);
    expect((await managedWebhooks(kc, 'mutating', managed))?.names).toEqual([]);

    const second = new kopf.Registry();
    registerHandlers(second, { withAdded: true });
    const two = runOperator(kc, {
      registry: second,
      namespaces: [namespace],
      settings: { admission: { server: loopbackServer(), managed } },
    });
    try {
      const updated = await waitForWebhooks(managed, (c) => c.names.length === 4);
      expect(updated.uid).toBe(created?.uid);
      expect(updated.names).toContain(`added.${managed}`);
    } finally {
      await two.stop();
    }
    expect((await managedWebhooks(kc, 'validating', managed))?.names).toEqual([
      `strict.${managed}`,
      `lenient.${managed}`,
    ]);
  });

  it('left behind (persistent) block with failurePolicy Fail and admit with Ignore while the operator is down', async () => {
    const { namespace, managed } = fixture;
    const registry = new kopf.Registry();
    registerHandlers(registry);
    const running = runOperator(kc, {
      registry,
      namespaces: [namespace],
      settings: { admission: { server: loopbackServer(), managed } },
    });
    await waitUntilWebhooksActive(() =>
      createWidget(kc, namespace, PLURAL, widget(KIND, 'probe', { field: 'wrong' }), { dryRun: 'All' }),
    );
    await running.stop();
    // The persistent webhooks now point at a server that has stopped.
    const blocked = await rejection(
      createWidget(kc, namespace, PLURAL, widget(KIND, 'blocked', { field: 'x' }, { policy: 'fail' })),
    );
    expect(blocked.message).toContain(`failed calling webhook "strict.${managed}"`);
    const admitted = await createWidget(
      kc,
      namespace,
      PLURAL,
      widget(KIND, 'admitted', { field: 'x' }, { policy: 'ignore' }),
    );
    expect(admitted.object).toMatchObject({ metadata: { name: 'admitted' } });
  });

  it('of an operator serving named namespaces never see objects of other namespaces', async () => {
    const { namespace, managed } = fixture;
    const registry = new kopf.Registry();
    registerHandlers(registry);
    const elsewhere = await freshNamespace(kc, 'managed-elsewhere');
    const running = runOperator(kc, {
      registry,
      namespaces: [namespace],
      settings: { admission: { server: loopbackServer(), managed } },
    });
    try {
      await waitUntilWebhooksActive(() =>
        createWidget(kc, namespace, PLURAL, widget(KIND, 'probe', { field: 'wrong' }), { dryRun: 'All' }),
      );
      const outside = widget(KIND, 'outside', { field: 'wrong' }, { policy: 'fail' });
      const admitted = await createWidget(kc, elsewhere.name, PLURAL, outside, { dryRun: 'All' });
      expect(admitted.object).toMatchObject({ metadata: { name: 'outside' } });
      await running.stop();
      // The persistent, failing webhook left behind blocks only the served namespace.
      expect((await rejection(createWidget(kc, namespace, PLURAL, outside))).message).toContain(
        `failed calling webhook "strict.${managed}"`,
      );
      expect((await createWidget(kc, elsewhere.name, PLURAL, outside)).object).toMatchObject({
        metadata: { name: 'outside' },
      });
    } finally {
      await running.stop();
      await elsewhere.delete();
    }
  });
});

describe('a server whose client config changes', () => {
  it('has the managed webhooks follow it', async () => {
    const { namespace } = fixture;
    const managed = `follow.${fixture.managed}`;
    const registry = new kopf.Registry();
    kopf.on.validate(GADGETS, function follow() {}, { registry });
    // A server that moves: it serves from a first port, then also from a second and announces that one.
    const first = loopbackServer();
    const second = loopbackServer();
    let move = (): void => undefined;
    const moved = new Promise<void>((resolve) => (move = resolve));
    const moving: kopf.WebhookServerLike = {
      async *serve(fn, signal) {
        const a = first.serve(fn, signal)[Symbol.asyncIterator]();
        yield (await a.next()).value as kopf.WebhookClientConfig;
        await moved;
        const b = second.serve(fn, signal)[Symbol.asyncIterator]();
        yield (await b.next()).value as kopf.WebhookClientConfig;
        await Promise.all([a.next(), b.next()]);
      },
    };
    const running = runOperator(fixture.kc, {
      registry,
      namespaces: [namespace],
      settings: { admission: { server: moving, managed } },
    });
    try {
      const url = (port: number | undefined) => `https://127.0.0.1:${port}/follow`;
      const before = await waitForWebhooks(managed, (c) => c.urls.length > 0);
      expect(before.urls).toEqual([url(first.port)]);
      move();
      const after = await waitForWebhooks(managed, (c) => c.urls[0] === url(second.port));
      expect(after.urls).toEqual([url(second.port)]);
    } finally {
      await running.stop();
      await deleteManaged(fixture.kc, managed);
    }
  });
});

/** The validating configuration once `condition` holds for it. */
async function waitForWebhooks(
  name: string,
  condition: (current: NonNullable<Awaited<ReturnType<typeof managedWebhooks>>>) => boolean,
) {
  for (let attempt = 0; ; attempt++) {
    const current = await managedWebhooks(fixture.kc, 'validating', name);
    if (current && condition(current)) return current;
    if (attempt > 100)
      throw new Error(`The configuration ${name} never got there: ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
