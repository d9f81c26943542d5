import { expect, test } from 'vitest';
import {
  heldLease,
  incarnationOf,
  microTime,
  releasedLease,
  renewalMark,
} from '../../runtime/reactor/leadership/leases.ts';

const T0 = new Date('2026-11-30T04:00:00.000Z');
const T1 = new Date('2026-11-30T04:00:02.000Z');
const target = { name: 'kopf-leader-default', namespace: 'ops' };
const me = { identity: 'pod-a', incarnation: 'i-1', duration: 15 };

test('acquiring a new Lease: holder, duration, MicroTime stamps, no transition yet', () => {
  const lease = heldLease(undefined, target, me, T0);
  expect(lease.spec).toEqual({
    holderIdentity: 'pod-a',
    leaseDurationSeconds: 15,
    acquireTime: '2026-11-30T04:00:00.000000Z',
    renewTime: '2026-11-30T04:00:00.000000Z',
    leaseTransitions: 0,
  });
  expect(incarnationOf(lease)).toBe('i-1');
  expect(microTime(T1)).toBe('2026-11-30T04:00:02.000000Z');
});

test('renewing keeps acquireTime and transitions and the resourceVersion (optimistic concurrency)', () => {
  const first = heldLease(undefined, target, me, T0);
  first.metadata!.resourceVersion = '42';
  const renewed = heldLease(first, target, me, T1);
  expect(renewed.spec).toMatchObject({ acquireTime: first.spec!.acquireTime, leaseTransitions: 0 });
  expect(renewed.spec!.renewTime).toBe('2026-11-30T04:00:02.000000Z');
  expect(renewed.metadata!.resourceVersion).toBe('42');
  expect(renewalMark(renewed)).not.toBe(renewalMark(first));
});

test('taking over from another holder counts a transition; a twin identity with another incarnation too', () => {
  const theirs = heldLease(undefined, target, { ...me, identity: 'pod-b' }, T0);
  expect(heldLease(theirs, target, me, T1).spec!.leaseTransitions).toBe(1);
  const twin = heldLease(undefined, target, { ...me, incarnation: 'i-2' }, T0);
  expect(heldLease(twin, target, me, T1).spec!.leaseTransitions).toBe(1);
});

test('releasing clears the holder and the incarnation, so that a standby acquires at once', () => {
  const released = releasedLease(heldLease(undefined, target, me, T0), T1);
  expect(released.spec!.holderIdentity).toBeUndefined();
  expect(released.spec!.leaseDurationSeconds).toBe(1);
  expect(incarnationOf(released)).toBeUndefined();
});
