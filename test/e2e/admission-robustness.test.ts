/**
 * The webhook server under bad conditions, with the real API server: junk sent straight at it,
 * handlers that hang, a port that is taken, and the shutdown.
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { holdPort, type HeldPort } from '../setup/ports.ts';
import {
  admissionFixture,
  createWidget,
  loopbackServer,
  rejection,
  waitUntilWebhooksActive,
  widget,
  widgetResource,
} from './admission-kit.ts';
import { runOperator, type InProcessOperator } from './operator-kit.ts';

const PLURAL = 'doodads';
const KIND = 'Doodad';
const DOODADS = widgetResource(PLURAL, KIND);
const fixture = admissionFixture(PLURAL, KIND, 'robust');
const { kc } = fixture;

describe('a running webhook server', () => {
  let operator: InProcessOperator;
  let server: kopf.WebhookServer;

  beforeAll(async () => {
    const registry = new kopf.Registry();
    kopf.on.validate(
      DOODADS,
      function rejectWrong({ spec }) {
        if (spec.field === 'wrong') throw new kopf.AdmissionError('wrong', { code: 400 });
      },
      { registry },
    );
    const hang = () => new Promise<never>(() => undefined);
    kopf.on.validate(DOODADS, hang, { registry, id: 'hangStrict', timeout: 3, labels: { hang: 'strict' } });
    kopf.on.validate(DOODADS, hang, {
      registry,
      id: 'hangLenient',
      timeout: 3,
      ignoreFailures: true,
      labels: { hang: 'lenient' },
    });
    server = loopbackServer();
    operator = runOperator(kc, {
      registry,
      namespaces: [fixture.namespace],
      settings: { admission: { server, managed: fixture.managed } },
    });
    await waitUntilWebhooksActive(() =>
      createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'probe', { field: 'wrong' }), {
        dryRun: 'All',
      }),
    );
  });

  afterAll(async () => {
    await operator?.stop();
  });

  it('answers junk sent straight at it with 4xx and log lines, and keeps serving the API server', async () => {
    const url = `https://127.0.0.1:${server.port}`;
    const answers = [
      await post(`${url}/rejectWrong`, 'application/json', '{"not": "a review"}'),
      await post(`${url}/rejectWrong`, 'application/json', '{ broken'),
      await post(`${url}/rejectWrong`, 'text/plain', 'hello'),
      await post(`${url}/no/such/path`, 'application/json', '{}'),
      await post(
        `${url}/rejectWrong`,
        'application/json',
        JSON.stringify({ pad: 'x'.repeat(17 * 1024 * 1024) }),
      ),
    ];
    expect(answers).toEqual([400, 400, 415, 404, 413]);
    const refusals = operator.lines().filter((line) => line.includes('is refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    const rejected = await rejection(
      createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'after', { field: 'wrong' })),
    );
    expect(rejected).toMatchObject({ code: 400, message: expect.stringContaining('wrong') });
  });

  it('cuts a hanging handler before the timeout and answers per its failure policy', async () => {
    const strict = await rejection(
      createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'hung1', { field: 'x' }, { hang: 'strict' })),
    );
    expect(strict.message).toContain("Webhook 'hangStrict' timed out");
    const lenient = await createWidget(
      kc,
      fixture.namespace,
      PLURAL,
      widget(KIND, 'hung2', { field: 'x' }, { hang: 'lenient' }),
    );
    expect(lenient.object).toMatchObject({ metadata: { name: 'hung2' } });
  });
});

describe('starting and stopping', () => {
  let held: HeldPort;
  beforeAll(async () => (held = await holdPort()));
  afterAll(() => held.release());

  it('fails the operator at start with a clear error when the port is taken', async () => {
    const registry = new kopf.Registry();
    kopf.on.validate(DOODADS, function anything() {}, { registry });
    const operator = runOperator(kc, {
      registry,
      namespaces: [fixture.namespace],
      settings: { admission: { server: new kopf.WebhookServer({ addr: '127.0.0.1', port: held.port }) } },
    });
    await expect(operator.done).rejects.toThrow(
      `cannot listen on 127.0.0.1:${held.port}: the port is already in use`,
    );
  });

  it('fails the operator at start when webhooks exist but no server is configured', async () => {
    const registry = new kopf.Registry();
    kopf.on.validate(DOODADS, function anything() {}, { registry });
    const operator = runOperator(kc, { registry, namespaces: [fixture.namespace] });
    await expect(operator.done).rejects.toThrow('no webhook server is configured');
  });

  it('closes the server when the operator stops', async () => {
    const registry = new kopf.Registry();
    kopf.on.validate(DOODADS, function anything() {}, { registry });
    const server = loopbackServer();
    const operator = runOperator(kc, {
      registry,
      namespaces: [fixture.namespace],
      settings: { admission: { server } },
    });
    await waitFor(() => operator.lines().some((line) => line.startsWith('Serving admission webhooks')));
    expect(await post(`https://127.0.0.1:${server.port}/anything`, 'application/json', '{}')).toBe(400);
    await operator.stop();
    await expect(post(`https://127.0.0.1:${server.port}/anything`, 'application/json', '{}')).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});

/** POST over TLS without verifying the certificate (these tests send junk, not reviews); the status. */
function post(url: string, type: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': type }, agent: false },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; !condition(); attempt++) {
    if (attempt > 300) throw new Error('Timed out waiting.');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
