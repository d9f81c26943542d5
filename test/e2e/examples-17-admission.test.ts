/**
 * 17-admission: Kopf's scenario (the object is created and deleted while the webhooks are served),
 * then what a client sees from the example's webhooks: rejections with the handlers' messages and
 * codes, warnings, the injected field, and the configuration emptied when the operator exits.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { holdPort } from '../setup/ports.ts';
import { deleteManaged, managedWebhooks, rejection } from './admission-kit.ts';
import { KOPF_EXAMPLES, assertBuilt, describeExample, runExample, STARTUP_MS } from './examples-kit.ts';
import { installCrd } from './handlers-kit.ts';

describeExample('17-admission');

describe('examples/17-admission as seen by an API client', () => {
  const cluster = testCluster();
  const kc = cluster.kubeConfig();
  let ns: TestNamespace | undefined;
  let managed: string;
  beforeAll(async () => {
    assertBuilt();
    await installCrd(kc);
    ns = await freshNamespace(kc, 'ex-17-client');
    managed = `${ns.name}.kopf.dev`;
  });
  afterAll(async () => {
    await deleteManaged(kc, managed);
    await ns?.delete();
  });

  it('rejects, warns and mutates as its handlers say, and empties the configuration at exit', async () => {
    // The server from the environment (--webhook-server): the example's startup handler keeps it.
    const held = await holdPort();
    await held.release();
    const operator = runExample('17-admission', {
      namespace: ns!.name,
      kubeconfigFile: cluster.kubeconfig,
      webhookManaged: managed,
      env: { KOPF_RUN_WEBHOOK_SERVER: `https://127.0.0.1:${held.port}/hooks` },
    });
    const objects = kc.makeApiClient(CustomObjectsApi);
    const create = (name: string, spec: object, labels: object = {}, dryRun?: 'All') =>
      objects.createNamespacedCustomObjectWithHttpInfo({
        ...KOPF_EXAMPLES,
        namespace: ns!.name,
        body: { apiVersion: 'kopf.dev/v1', kind: 'KopfExample', metadata: { name, labels }, spec },
        ...(dryRun ? { dryRun } : {}),
      });
    try {
      await operator.waitForLine('Configured the MutatingWebhookConfiguration', STARTUP_MS);
      expect((await managedWebhooks(kc, 'validating', managed))?.urls).toContain(
        `https://127.0.0.1:${held.port}/hooks/validate1`,
      );
      let lazy = { code: 0, message: '' };
      for (let attempt = 0; attempt < 100 && lazy.code !== 555; attempt++) {
        lazy = await rejection(create('lazy', { field: 'not-allowed' })).catch(() => lazy);
        if (lazy.code !== 555) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(lazy).toMatchObject({
        code: 555,
        message: expect.stringContaining("I'm too lazy anyway. Go away!"),
      });

      const wrong = await rejection(create('wrong', { field: 'wrong' }));
      expect(wrong).toMatchObject({ code: 500, message: expect.stringContaining("Meh! I don't like it.") });
      // validate1 lets dry runs through.
      await create('wrong', { field: 'wrong' }, {}, 'All');

      const admitted = await create('labelled', { field: 'value' }, { somelabel: 'somevalue' });
      expect(admitted.data).toMatchObject({ spec: { field: 'value', injected: 123 } });
      expect(admitted.headers['warning']).toContain('Accessing as user-agent:');
      expect(admitted.headers['warning']).toContain('SSL peer is not identified.');
      const plain = await create('plain', { field: 'value' });
      expect((plain.data as { spec: object }).spec).toEqual({ field: 'value' });
    } finally {
      expect(await operator.stop()).toBe(0);
    }
    expect(await managedWebhooks(kc, 'validating', managed)).toMatchObject({ names: [] });
    expect(await managedWebhooks(kc, 'mutating', managed)).toMatchObject({ names: [] });
  });
});
