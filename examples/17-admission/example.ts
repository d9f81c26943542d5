/**
 * 17-admission: admission webhooks. A validating handler that reports who is calling (as
 * warnings), two that reject objects (one with an HTTP code of its own), and a mutating one that
 * injects a field into labelled objects. The webhook server and the managed webhook configurations
 * are set in a startup handler, as in Kopf; `kopf run --webhook-server URL --webhook-managed NAME`
 * gives the same from the command line (and wins: the handler only fills in what is not set).
 *
 * With the bundled local API server (or any API server on this machine) no tunnel is needed: the
 * API server calls https://localhost:<port>/<handler id> and trusts the generated CA.
 *
 *   kopf run --standalone -n default examples/17-admission/example.ts
 *   kubectl apply -f examples/obj.yaml                               # admitted; spec.injected = 123
 *   kubectl patch kex kopf-example-1 --type merge -p '{"spec":{"field":"wrong"}}'   # rejected
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.on.startup(function config({ settings }) {
  // A local HTTPS endpoint with a generated self-signed CA and certificate (SANs: host and address).
  settings.admission.server ??= new kopf.WebhookServer({ addr: '127.0.0.1', host: '127.0.0.1' });
  // Create (or take over) and keep up to date the Validating/MutatingWebhookConfiguration of this name.
  settings.admission.managed ??= 'auto.kopf.dev';
});

kopf.on.validate(kopfExamples, function authhook({ headers, sslpeer, warnings }) {
  const userAgent = headers['user-agent'] ?? '(unidentified)';
  warnings.push(`Accessing as user-agent: ${userAgent}`);
  const subject = sslpeer['subject'] as Record<string, string> | undefined;
  if (!subject) warnings.push('SSL peer is not identified.');
  else if (subject['CN']) warnings.push(`SSL peer is ${subject['CN']}.`);
  else warnings.push("SSL peer's common name is absent.");
});

kopf.on.validate(kopfExamples, function validate1({ spec, dryrun }) {
  if (!dryrun && spec['field'] === 'wrong') {
    throw new kopf.AdmissionError("Meh! I don't like it. Change the field.");
  }
});

kopf.on.validate(
  kopfExamples,
  function validate2() {
    throw new kopf.AdmissionError("I'm too lazy anyway. Go away!", { code: 555 });
  },
  { field: 'spec.field', value: 'not-allowed' },
);

kopf.on.mutate(
  kopfExamples,
  function mutate1({ patch }) {
    patch.spec['injected'] = 123;
  },
  { labels: { somelabel: 'somevalue' } },
);

/** What the e2e test expects (test/e2e/examples-kit.ts). Webhooks run per API request, not per object. */
export const E2E_SUCCESS_COUNTS = {};
export const E2E_WEBHOOKS = true;
export const E2E_STARTUP_STOP_WORDS = ['Configured the MutatingWebhookConfiguration'];
export const E2E_CREATION_STOP_WORDS = ["Webhook 'mutate1' succeeded."];
export const E2E_DELETION_STOP_WORDS = [];
