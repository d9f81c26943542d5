/** The API-client layer: the only code of kopf-ts that talks HTTP to the Kubernetes API. */
export type * from './types.ts';
export { createApiClient, type ClosableApiClient } from './api.ts';
export { ApiError, ApiConnectionError, LoginError, isApiError, type StatusBody } from './errors.ts';
export { loadKubeConfig } from './kubeconfig.ts';
export {
  resolveResource,
  resolveResources,
  ResourceResolutionError,
  type ResourceSelector,
} from './discovery.ts';
export { resourcePath, groupVersionPath } from './paths.ts';
export { sleep } from '../structs/timing.ts';
