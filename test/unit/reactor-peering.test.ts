import { describe, expect, test } from 'vitest';
import { runtimePermissions } from '../../generator/model/rbac.ts';
import { peeringIdentity } from '../../runtime/reactor/peering/identity.ts';
import { PeeringPermissionError } from '../../runtime/reactor/peering/keepalive.ts';
import { mainPeeringResource } from '../../runtime/reactor/peering/resources.ts';
import { describePeers, judgePeers, parsePeers, peerRecord } from '../../runtime/reactor/peering/peers.ts';

const NOW = new Date('2026-11-30T04:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe('the peering board (Kopf status format)', () => {
  test('our record is exactly what Kopf writes: integer priority and lifetime, lastseen with +00:00', () => {
    expect(peerRecord(10.7, 60, NOW)).toEqual({
      priority: 10,
      lifetime: 60,
      lastseen: '2026-11-30T04:00:00.000000+00:00',
    });
  });

  test('records written by Python Kopf (microseconds, +00:00) and by older Kopf (naive UTC) are read', () => {
    const peers = parsePeers(
      {
        python: { priority: 5, lifetime: 60, lastseen: '2026-11-30T03:59:30.123456+00:00' },
        naive: { priority: 1, lifetime: 10, lastseen: '2026-11-30T03:59:30.5' },
      },
      NOW,
    );
    expect(peers.map((p) => [p.identity, p.priority, p.dead, p.deadline.toISOString()])).toEqual([
      ['python', 5, false, '2026-11-30T04:00:30.123Z'],
      ['naive', 1, true, '2026-11-30T03:59:40.500Z'],
    ]);
  });

  test('missing fields default as in Kopf (priority 0, lifetime 60, seen now); non-objects are skipped', () => {
    const peers = parsePeers({ bare: {}, broken: 'text', gone: null }, NOW);
    expect(peers).toHaveLength(1);
    expect(peers[0]).toMatchObject({ identity: 'bare', priority: 0, lifetime: 60, dead: false });
  });

  test('a peer is dead once lastseen + lifetime has passed (the deadline itself counts as dead)', () => {
    const [exact, alive] = parsePeers(
      { exact: { lifetime: 60, lastseen: ago(60) }, alive: { lifetime: 60, lastseen: ago(59) } },
      NOW,
    );
    expect(exact!.dead).toBe(true);
    expect(alive!.dead).toBe(false);
  });

  test('judging: higher priorities block, equal ones conflict, lower ones and we ourselves do not count', () => {
    const peers = parsePeers(
      {
        me: { priority: 10, lastseen: ago(1) },
        higher: { priority: 20, lastseen: ago(1) },
        same: { priority: 10, lastseen: ago(1) },
        lower: { priority: 0, lastseen: ago(1) },
        dead: { priority: 99, lifetime: 5, lastseen: ago(10) },
      },
      NOW,
    );
    const verdict = judgePeers(peers, 'me', 10);
    expect(verdict.higher.map((p) => p.identity)).toEqual(['higher']);
    expect(verdict.same.map((p) => p.identity)).toEqual(['same']);
    expect(verdict.dead.map((p) => p.identity)).toEqual(['dead']);
  });

  test('log lines show peers as Kopf does', () => {
    const peers = parsePeers(
      { a: { priority: 1, lifetime: 60, lastseen: '2026-11-30T04:00:00+00:00' } },
      NOW,
    );
    expect(describePeers(peers)).toBe(
      "[<Peer a: priority=1, lifetime=60, lastseen='2026-11-30T04:00:00.000000+00:00'>]",
    );
  });
});

describe('peering identity', () => {
  test('POD_ID wins, as in Kopf', () => {
    expect(peeringIdentity({ manual: false, env: { POD_ID: 'pod-1' } })).toBe('pod-1');
  });

  test('an operator is user@host/YYYYmmddHHMMSS/xyz; freeze/resume are user@host', () => {
    const auto = peeringIdentity({ manual: false, env: {}, now: NOW });
    const manual = peeringIdentity({ manual: true, env: {} });
    expect(auto).toMatch(/^[^@/]+@[^/]+\/20261130040000\/[a-z0-9]{3}$/);
    expect(auto.startsWith(`${manual}/`)).toBe(true);
  });
});

describe('a missing peering permission', () => {
  test('is reported with the rule kopf-gen grants: list, watch and patch (the runtime never GETs)', () => {
    const target = { resource: mainPeeringResource(false), namespace: 'ns1', name: 'default' };
    const error = new PeeringPermissionError(target, 'forbidden');
    expect(error.message).toBe(
      'Peering needs "patch" on kopfpeerings.kopf.dev in namespace ns1 ' +
        '(RBAC rule: apiGroups [kopf.dev], resources [kopfpeerings], verbs [list, watch, patch]): forbidden',
    );
    const granted = runtimePermissions([], { namespace: 'ns1' }).find((p) => p.resource === 'kopfpeerings');
    expect(error.message).toContain(`verbs [${granted?.verbs.join(', ')}]`);
  });
});
