/** Which proxy the API server is reached through: a cluster's proxy-url, else the environment and NO_PROXY. */
import { describe, expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/api.ts';
import { bypassesProxy, proxyFor } from '../../runtime/client/proxies.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';

describe('proxyFor', () => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', http_proxy: 'plain:8080' };

  test('https servers use HTTPS_PROXY, http servers HTTP_PROXY (either case; no scheme means http)', () => {
    expect(proxyFor('https://k8s:6443', undefined, env)?.href).toBe('http://proxy:3128/');
    expect(proxyFor('http://k8s:8080', undefined, env)?.href).toBe('http://plain:8080/');
    expect(proxyFor('https://k8s:6443', undefined, {})).toBeUndefined(); // without networking.trustEnv
  });

  test("a cluster's proxy-url wins over the environment and NO_PROXY", () => {
    expect(proxyFor('https://k8s', 'http://mine:1', { ...env, NO_PROXY: '*' })?.href).toBe('http://mine:1/');
  });

  test('NO_PROXY excludes the server from the environment proxy', () => {
    expect(
      proxyFor('https://k8s.internal:6443', undefined, { ...env, no_proxy: '.internal' }),
    ).toBeUndefined();
  });

  test('unsupported or malformed proxies are named with where they come from', () => {
    expect(() => proxyFor('https://k8s', 'socks5://s:1080', {})).toThrow(
      "the kubeconfig cluster's proxy-url is a socks5 proxy; only http and https proxies are supported",
    );
    expect(() => proxyFor('https://k8s', undefined, { HTTPS_PROXY: 'http://[oops' })).toThrow(
      '$HTTPS_PROXY is not a URL: http://[oops',
    );
  });
});

describe('bypassesProxy', () => {
  test.each([
    ['*', 'anything.example.com', 443, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'api.example.com', 443, true],
    ['example.com', 'badexample.com', 443, false],
    ['.example.com', 'example.com', 443, false],
    ['.example.com', 'api.example.com', 443, true],
    ['*.example.com', 'api.example.com', 443, true],
    ['10.0.0.1', '10.0.0.1', 443, true],
    ['10.0.0.1', '10.0.0.2', 443, false],
    ['10.0.0.0/8', '10.1.2.3', 443, true],
    ['10.0.0.0/8', '11.1.2.3', 443, false],
    ['10.0.0.0/8', 'ten.example.com', 443, false],
    ['fd00::/8', '[fd00::1]', 443, true],
    ['::1', '[::1]', 6443, true],
    ['example.com:6443', 'example.com', 6443, true],
    ['example.com:6443', 'example.com', 443, false],
    ['[::1]:6443', '::1', 6443, true],
    [' other.org , Example.COM ', 'api.example.com', 443, true],
    ['', 'example.com', 443, false],
  ])('NO_PROXY=%j, host %s:%i → %s', (noProxy, host, port, expected) => {
    expect(bypassesProxy(host, port, noProxy)).toBe(expected);
  });
});

test('an API client for a cluster with an unusable proxy fails when it is created, naming the setting', () => {
  const kubeConfig = {
    getCurrentCluster: () => ({ server: 'https://k8s', proxyUrl: 'socks5://s:1080' }),
    applyToHTTPSOptions: async () => undefined,
  };
  expect(() => createApiClient(kubeConfig, makeSettings())).toThrow(
    "the kubeconfig cluster's proxy-url is a socks5 proxy; only http and https proxies are supported",
  );
});
