/**
 * 07-subhandlers: sub-handlers declared dynamically, one per item of `spec.items`; each has its own
 * progress (`createFn/item1`, ...) and is retried on its own. The parent finishes when all did.
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.on.create(kopfExamples, async function createFn({ spec }) {
  const items = Array.isArray(spec['items']) ? (spec['items'] as string[]) : [];
  for (const item of items) {
    kopf.subhandler(
      function createItemFn({ logger }) {
        logger.info(`=== Handling creation for ${item}. ===`);
      },
      { id: item },
    );
  }
});

export const E2E_SUCCESS_COUNTS = { createFn: 1, 'createFn/item1': 1, 'createFn/item2': 1 };
