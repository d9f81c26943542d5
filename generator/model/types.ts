/** The type model: what a generated types module declares, independent of how it is printed. */

export type Literal = string | number | boolean;

export type TypeExpr =
  | {
      readonly kind: 'keyword';
      readonly name: 'string' | 'number' | 'boolean' | 'unknown' | 'null' | 'never';
    }
  /** A declaration of the same module, or a qualified type such as `kopf.ObjectMeta`. */
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'literal'; readonly value: Literal }
  | { readonly kind: 'array'; readonly element: TypeExpr }
  | { readonly kind: 'record'; readonly value: TypeExpr }
  | { readonly kind: 'union'; readonly members: readonly TypeExpr[] }
  | { readonly kind: 'intersection'; readonly members: readonly TypeExpr[] };

export interface Member {
  readonly name: string;
  readonly optional: boolean;
  readonly type: TypeExpr;
  readonly doc?: string;
}

export type Declaration =
  | {
      readonly kind: 'interface';
      readonly name: string;
      readonly doc?: string;
      readonly members: readonly Member[];
      /** Present when the schema keeps fields it does not declare. */
      readonly indexSignature?: TypeExpr;
    }
  | { readonly kind: 'alias'; readonly name: string; readonly doc?: string; readonly type: TypeExpr }
  /** A literal union plus a `const` array of its values (`constName`). */
  | {
      readonly kind: 'enum';
      readonly name: string;
      readonly doc?: string;
      readonly values: readonly Literal[];
      readonly constName: string;
    };

export const keyword = (name: 'string' | 'number' | 'boolean' | 'unknown' | 'null' | 'never'): TypeExpr => ({
  kind: 'keyword',
  name,
});
export const ref = (name: string): TypeExpr => ({ kind: 'ref', name });

/** Types imported from kopf-ts, referenced through the module's `kopf` namespace import. */
export const OBJECT_META: TypeExpr = ref('kopf.ObjectMeta');

export const UNKNOWN_RECORD: TypeExpr = { kind: 'record', value: keyword('unknown') };
export const EMPTY_RECORD: TypeExpr = { kind: 'record', value: keyword('never') };

export function union(members: readonly TypeExpr[]): TypeExpr {
  const flat: TypeExpr[] = [];
  const seen = new Set<string>();
  for (const member of members) {
    for (const m of member.kind === 'union' ? member.members : [member]) {
      const key = JSON.stringify(m);
      if (!seen.has(key)) {
        seen.add(key);
        flat.push(m);
      }
    }
  }
  if (flat.some((m) => m.kind === 'keyword' && m.name === 'unknown')) return keyword('unknown');
  return flat.length === 1 ? flat[0]! : { kind: 'union', members: flat };
}
