/** Kubernetes object bodies as they travel over the wire (plain JSON), typed as far as is generic. */
import type { V1ObjectMeta } from '@kubernetes/client-node';

/** Object metadata; client-node's ObjectMeta (dates are ISO strings on the wire, hence the override). */
export type ObjectMeta = Omit<V1ObjectMeta, 'creationTimestamp' | 'deletionTimestamp'> & {
  creationTimestamp?: string;
  deletionTimestamp?: string;
};

/** Any Kubernetes object: apiVersion, kind, metadata, and whatever else its resource defines. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** An object's parts as every per-object handler (and a lifecycle function) gets them as arguments. */
export interface ObjectArgs {
  body: KubernetesObject;
  spec: Record<string, unknown>;
  meta: ObjectMeta;
  status: Record<string, unknown>;
  name: string;
  namespace: string | undefined;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
