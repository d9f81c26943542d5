/**
 * The kopf-ts contender with Kopf's status storages: the same operator as operator.ts, with the
 * diff-base and the progress kept in `status.kopf` (settings.persistence.diffbaseStorage and
 * progressStorage = 'status'), so that a handled creation is one PATCH of the status subresource:
 *   node runtime/cli/main.ts run --standalone -A bench/contenders/kopf-ts/status-storage.ts
 */
import * as kopf from '../../../runtime/index.ts';
import './operator.ts';

kopf.on.startup(function useStatusStorages({ settings }) {
  settings.persistence.diffbaseStorage = 'status';
  settings.persistence.progressStorage = 'status';
});
