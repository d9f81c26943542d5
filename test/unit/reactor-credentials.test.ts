/** Login credentials: the best result wins, PEM or base64 data is accepted, expiry triggers a re-login. */
import https from 'node:https';
import { expect, test } from 'vitest';
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
