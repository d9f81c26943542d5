/**
 * What peering needs of the API, shared by the generator (which grants it in RBAC) and the runtime
 * (which names it when it is missing).
 */

/** Keep-alives are merge-patches; peers are seen by list+watch (the runtime never GETs a peering object). */
export const PEERING_VERBS = ['list', 'watch', 'patch'] as const;
