/**
 * 05-handlers: several handlers per cause, run in the order of registration, each with its own
 * status; an update handler with the diff; a field handler with the field's old and new values.
 *
 *   kubectl apply -f examples/obj.yaml
 *   kubectl patch kex kopf-example-1 --type merge -p '{"spec":{"field":"other"}}'
 *   kubectl delete -f examples/obj.yaml
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.on.resume(kopfExamples, function resumeFn1({ body, logger }) {
  logger.info(`RESUMED 1st: ${body.metadata.name}`);
});

kopf.on.create(kopfExamples, function createFn1({ body, logger }) {
  logger.info(`CREATED 1st: ${body.metadata.name}`);
});

kopf.on.resume(kopfExamples, function resumeFn2({ body, logger }) {
  logger.info(`RESUMED 2nd: ${body.metadata.name}`);
});

kopf.on.create(kopfExamples, function createFn2({ body, logger }) {
  logger.info(`CREATED 2nd: ${body.metadata.name}`);
});

kopf.on.update(kopfExamples, function updateFn({ old, new: current, diff, logger }) {
  logger.info(
    `UPDATED: ${JSON.stringify(diff)} (from ${JSON.stringify(old?.spec)} to ${JSON.stringify(current?.spec)})`,
  );
});

kopf.on.delete(kopfExamples, function deleteFn1({ body, logger }) {
  logger.info(`DELETED 1st: ${body.metadata.name}`);
});

kopf.on.delete(kopfExamples, function deleteFn2({ body, logger }) {
  logger.info(`DELETED 2nd: ${body.metadata.name}`);
});

kopf.on.field(kopfExamples, 'spec.field', function fieldFn({ old, new: current, logger }) {
  logger.info(`FIELD CHANGED: ${JSON.stringify(old)} -> ${JSON.stringify(current)}`);
});

// Marks for the e2e test: it also changes spec.field once between creation and deletion.
export const E2E_UPDATE_PATCH = { spec: { field: 'changed' } };
export const E2E_SUCCESS_COUNTS = {
  resumeFn1: 0,
  resumeFn2: 0,
  createFn1: 1,
  createFn2: 1,
  updateFn: 1,
  'fieldFn/spec.field': 2,
  deleteFn1: 1,
  deleteFn2: 1,
};
