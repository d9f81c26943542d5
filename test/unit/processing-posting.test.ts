/** Kubernetes Events in Kopf's format. */
import { describe, expect, test } from 'vitest';
import { buildEvent, truncateMessage } from '../../runtime/processing/posting.ts';
import { defaultSettings } from '../../runtime/structs/settings.ts';

describe('events', () => {
  test('the body names the object and the reporter like Kopf', () => {
    const now = new Date('2026-01-01T00:00:00.123Z');
    const object = {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      metadata: { name: 'one', namespace: 'ns', uid: 'u' },
    };
    expect(
      buildEvent({ object, type: 'Normal', reason: 'Greeting', message: 'hi' }, defaultSettings(), now),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'ns', generateName: 'kopf-event-' },
      action: 'Action?',
      type: 'Normal',
      reason: 'Greeting',
      message: 'hi',
      reportingComponent: 'kopf',
      reportingInstance: 'dev',
      source: { component: 'kopf' },
      involvedObject: {
        apiVersion: 'kopf.dev/v1',
        kind: 'KopfExample',
        name: 'one',
        uid: 'u',
        namespace: 'ns',
      },
      firstTimestamp: '2026-01-01T00:00:00.123Z',
      lastTimestamp: '2026-01-01T00:00:00.123Z',
      eventTime: '2026-01-01T00:00:00.123000Z',
    });
  });
  test('cluster-scoped objects report into default', () => {
    const event = buildEvent(
      { object: { metadata: { name: 'n' } }, type: 'Warning', reason: 'r', message: '' },
      defaultSettings(),
    );
    expect(event.metadata).toEqual({ namespace: 'default', generateName: 'kopf-event-' });
  });
  test('long messages are cut to 1024 chars in the middle', () => {
    const cut = truncateMessage('a'.repeat(600) + 'b'.repeat(600));
    expect(cut).toHaveLength(1024);
    expect(cut).toBe('a'.repeat(511) + '...' + 'b'.repeat(510));
  });
});
