/** Finding the cluster to talk to, the way kubectl and Kopf do. */
import { KubeConfig } from '@kubernetes/client-node';

/**
 * Load the kubeconfig from `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account
 * (whose token is re-read as it rotates).
 */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
