/**
 * ts-morph is an optional dependency of kopf-ts: operator images install kopf-ts without optional
 * dependencies (`npm ci --omit=dev --omit=optional`) and stay ~13 MB lighter, since only kopf-gen needs it.
 */
export type TsMorph = typeof import('ts-morph');

export async function loadTsMorph(): Promise<TsMorph> {
  try {
    return await import('ts-morph');
  } catch (error) {
    throw new Error(
      'kopf-gen needs ts-morph to read and edit your handler files, and it is not installed ' +
        '(kopf-ts was installed without optional dependencies). Install it: npm install --save-dev ts-morph',
      { cause: error },
    );
  }
}
