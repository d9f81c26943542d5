/**
 * Login credentials: the best result wins, PEM or base64 data is accepted, expiry and rejection (401)
 * trigger a re-login, and rejected credentials are never used again.
 */
import http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { createApiClient } from '../../runtime/client/api.ts';
import { LoginError } from '../../runtime/client/errors.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import {
  bestConnection,
  kubeConfigFromConnection,
  LoginKubeConfig,
} from '../../runtime/reactor/credentials.ts';

test('the highest priority wins (the first among equals); results without a server are ignored', () => {
  const best = bestConnection([
    undefined,
    { server: 'https://a' },
    { server: 'https://b', priority: 5 },
    { server: 'https://c', priority: 5 },
    { token: 'no server' },
  ]);
  expect(best?.server).toBe('https://b');
  expect(bestConnection([null, undefined])).toBeUndefined();
});

test('credentials become a kubeconfig context; PEM data is base64-encoded, base64 kept as is', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const kc = kubeConfigFromConnection({
    server: 'https://10.0.0.1:6443',
    caData: pem,
    token: 'secret',
    certificateData: 'Q0VSVA==',
    defaultNamespace: 'ops',
  });
  expect(kc.getCurrentCluster()).toMatchObject({
    server: 'https://10.0.0.1:6443',
    caData: Buffer.from(pem).toString('base64'),
    skipTLSVerify: false,
  });
  expect(kc.getCurrentUser()).toMatchObject({ token: 'secret', certData: 'Q0VSVA==' });
  expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('ops');
});

test('expired login credentials are replaced by a new login when the client reads them', async () => {
  let logins = 0;
  const kc = new LoginKubeConfig(
    { server: 'https://k8s', token: 'old', insecure: true, expiration: new Date(Date.now() - 1000) },
    async () => ({ server: 'https://k8s', token: `new-${++logins}`, insecure: true }),
  );
  const read = async () => {
    const options: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    return (options.headers as Record<string, string>).Authorization;
  };
  expect(await read()).toBe('Bearer new-1');
  expect(await read()).toBe('Bearer new-1'); // no expiration any more: no new login
  expect(logins).toBe(1);
});

/** Read the Authorization header the credentials give. */
async function authorization(kc: LoginKubeConfig): Promise<string | undefined> {
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  return (options.headers as Record<string, string>).Authorization;
}

test('rejected credentials are replaced by a new login, once however often they are invalidated', async () => {
  let logins = 0;
  const kc = new LoginKubeConfig({ server: 'https://k8s', token: 'first' }, async () => ({
    server: 'https://k8s',
    token: `new-${++logins}`,
  }));
  expect(await authorization(kc)).toBe('Bearer first');
  kc.invalidate();
  kc.invalidate();
  expect(await authorization(kc)).toBe('Bearer new-1');
  expect(await authorization(kc)).toBe('Bearer new-1');
  expect(logins).toBe(1);
});

test('login handlers giving the rejected credentials again: a LoginError, reported once, no loop', async () => {
  let logins = 0;
  const failures: LoginError[] = [];
  const kc = new LoginKubeConfig({ server: 'https://k8s', token: 'revoked' }, async () => {
    logins++;
    return { server: 'https://k8s', token: 'revoked', priority: 3 }; // the priority does not make it new
  });
  kc.onFailure = (error) => failures.push(error);
  kc.invalidate();
  await expect(authorization(kc)).rejects.toThrow(
    'Ran out of valid credentials: the login handlers (kopf.on.login) gave again the credentials for https://k8s that the API server rejected (401 Unauthorized).',
  );
  expect(failures).toHaveLength(1);
  expect(failures[0]).toBeInstanceOf(LoginError);
  expect(logins).toBe(1);
});

test('concurrent 401s through the API client cause one re-login, and every request is replayed', async () => {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    const token = request.headers.authorization ?? '';
    seen.push(token);
    response.writeHead(token === 'Bearer good' ? 200 : 401, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Status' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => void server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let logins = 0;
  const kc = new LoginKubeConfig({ server: url, token: 'stale' }, async () => {
    logins++;
    return { server: url, token: 'good' };
  });
  const client = createApiClient(kc, makeSettings({ networking: { errorBackoffs: [0.01] } }));
  onTestFinished(() => client.close());
  await Promise.all(Array.from({ length: 5 }, () => client.request('GET', '/api')));
  expect(logins).toBe(1);
  expect(seen.filter((token) => token === 'Bearer good')).toHaveLength(5);
});
