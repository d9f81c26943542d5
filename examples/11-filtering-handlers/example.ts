/**
 * 11-filtering-handlers: handlers that run only for some objects or changes — by labels and
 * annotations (an exact value, `kopf.PRESENT`, `kopf.ABSENT`, or a callback), by an arbitrary
 * `when` callback, by a field's value, and, for updates, by a field's `old` and `new` values.
 * Against examples/obj.yaml (`somelabel: somevalue`, `someannotation: somevalue`,
 * `spec.field: value`), the `...Mismatching`/`...NotSatisfied` handlers never run.
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

function say(what: string) {
  return ({ logger }: { logger: kopf.Logger }) => logger.info(`${what} is called.`);
}

kopf.on.create(kopfExamples, say('Label is matching'), {
  id: 'createWithLabelsMatching',
  labels: { somelabel: 'somevalue' },
});
kopf.on.create(kopfExamples, say('Label is present'), {
  id: 'createWithLabelsPresent',
  labels: { somelabel: kopf.PRESENT },
});
kopf.on.create(kopfExamples, say('Label is absent'), {
  id: 'createWithLabelsAbsent',
  labels: { nonexistent: kopf.ABSENT },
});
kopf.on.create(kopfExamples, say('Label callback matching'), {
  id: 'createWithLabelsCallbackMatching',
  labels: { somelabel: (value) => value === 'somevalue' },
});
kopf.on.create(kopfExamples, say('Annotation is matching'), {
  id: 'createWithAnnotationsMatching',
  annotations: { someannotation: 'somevalue' },
});
kopf.on.create(kopfExamples, say('Annotation is present'), {
  id: 'createWithAnnotationsPresent',
  annotations: { someannotation: kopf.PRESENT },
});
kopf.on.create(kopfExamples, say('Annotation is absent'), {
  id: 'createWithAnnotationsAbsent',
  annotations: { nonexistent: kopf.ABSENT },
});
kopf.on.create(kopfExamples, say('Annotation callback matching'), {
  id: 'createWithAnnotationsCallbackMatching',
  annotations: { someannotation: (value) => value === 'somevalue' },
});
kopf.on.create(kopfExamples, say('Label is mismatching'), {
  id: 'createWithLabelsMismatching',
  labels: { somelabel: 'othervalue' },
});
kopf.on.create(kopfExamples, say('Label is not absent'), {
  id: 'createWithLabelsNotAbsent',
  labels: { somelabel: kopf.ABSENT },
});
kopf.on.create(kopfExamples, say('Filter satisfied'), { id: 'createWithFilterSatisfied', when: () => true });
kopf.on.create(kopfExamples, say('Filter not satisfied'), {
  id: 'createWithFilterNotSatisfied',
  when: () => false,
});
kopf.on.create(kopfExamples, say('Field value is satisfied'), {
  id: 'createWithFieldValueSatisfied',
  field: 'spec.field',
  value: 'value',
});
kopf.on.create(kopfExamples, say('Field value is not satisfied'), {
  id: 'createWithFieldValueNotSatisfied',
  field: 'spec.field',
  value: 'something-else',
});
kopf.on.create(kopfExamples, say('Field presence is satisfied'), {
  id: 'createWithFieldPresenceSatisfied',
  field: 'spec.field',
  value: kopf.PRESENT,
});
kopf.on.create(kopfExamples, say('Field presence is not satisfied'), {
  id: 'createWithFieldPresenceNotSatisfied',
  field: 'spec.inexistent',
  value: kopf.PRESENT,
});
kopf.on.update(kopfExamples, say('Field is changed as expected'), {
  id: 'updateWithFieldChangeSatisfied',
  field: 'spec.field',
  old: 'value',
  new: 'changed',
});
kopf.on.update(kopfExamples, say('Field is changed unexpectedly'), {
  id: 'updateWithFieldChangeNotSatisfied',
  field: 'spec.field',
  old: 'value',
  new: 'something-else',
});

// Marks for the e2e test: it also changes spec.field from 'value' to 'changed'.
export const E2E_UPDATE_PATCH = { spec: { field: 'changed' } };
export const E2E_SUCCESS_COUNTS = {
  createWithLabelsMatching: 1,
  createWithLabelsPresent: 1,
  createWithLabelsAbsent: 1,
  createWithLabelsCallbackMatching: 1,
  createWithAnnotationsMatching: 1,
  createWithAnnotationsPresent: 1,
  createWithAnnotationsAbsent: 1,
  createWithAnnotationsCallbackMatching: 1,
  createWithLabelsMismatching: 0,
  createWithLabelsNotAbsent: 0,
  createWithFilterSatisfied: 1,
  createWithFilterNotSatisfied: 0,
  'createWithFieldValueSatisfied/spec.field': 1,
  'createWithFieldValueNotSatisfied/spec.field': 0,
  'createWithFieldPresenceSatisfied/spec.field': 1,
  'createWithFieldPresenceNotSatisfied/spec.inexistent': 0,
  'updateWithFieldChangeSatisfied/spec.field': 1,
  'updateWithFieldChangeNotSatisfied/spec.field': 0,
};
