/** Prints type-model declarations as TypeScript in the house style (2 spaces, single quotes, semicolons). */
import { propertyKey, quote } from '../model/names.ts';
import type { Declaration, Literal, Member, TypeExpr } from '../model/types.ts';

const WIDTH = 110;

export interface PrintOptions {
  /** The module declares its own `Record` (a kind named Record): spell maps as index signatures. */
  readonly shadowedRecord?: boolean;
}

export function printType(type: TypeExpr, options: PrintOptions = {}): string {
  switch (type.kind) {
    case 'keyword':
      return type.name;
    case 'ref':
      return type.name;
    case 'literal':
      return printLiteral(type.value);
    case 'array': {
      const element = printType(type.element, options);
      return type.element.kind === 'union' || type.element.kind === 'intersection'
        ? `(${element})[]`
        : `${element}[]`;
    }
    case 'record':
      return options.shadowedRecord
        ? `{ [key: string]: ${printType(type.value, options)} }`
        : `Record<string, ${printType(type.value, options)}>`;
    case 'union':
      return type.members
        .map((m) => (m.kind === 'intersection' ? `(${printType(m, options)})` : printType(m, options)))
        .join(' | ');
    case 'intersection':
      return type.members
        .map((m) => (m.kind === 'union' ? `(${printType(m, options)})` : printType(m, options)))
        .join(' & ');
  }
}

export function printLiteral(value: Literal): string {
  return typeof value === 'string' ? quote(value) : String(value);
}

/** A JSDoc block; `*\/` inside the text is escaped so it can never close the comment early. */
export function printDoc(doc: string | undefined, indent = ''): string {
  if (!doc) return '';
  const lines = doc
    .replace(/\*\//g, '*\\/')
    .split(/\r?\n/)
    .map((line) => line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 1 && indent.length + lines[0]!.length + 7 <= WIDTH)
    return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

function printMember(member: Member, options: PrintOptions): string {
  return `${printDoc(member.doc, '  ')}  ${propertyKey(member.name)}${member.optional ? '?' : ''}: ${printType(member.type, options)};\n`;
}

export function printDeclaration(declaration: Declaration, options: PrintOptions = {}): string {
  const doc = printDoc(declaration.doc);
  switch (declaration.kind) {
    case 'interface': {
      const index = declaration.indexSignature
        ? `  [key: string]: ${printType(declaration.indexSignature, options)};\n`
        : '';
      const body = declaration.members.map((m) => printMember(m, options)).join('') + index;
      return body
        ? `${doc}export interface ${declaration.name} {\n${body}}\n`
        : `${doc}export interface ${declaration.name} {}\n`;
    }
    case 'alias':
      return `${doc}${printAlias(declaration.name, declaration.type, options)}`;
    case 'enum': {
      const literals = declaration.values.map(printLiteral);
      return (
        `${doc}${printAlias(declaration.name, { kind: 'union', members: declaration.values.map((value) => ({ kind: 'literal', value })) }, options)}` +
        `/** Every value of {@link ${declaration.name}}. */\n` +
        printList(`export const ${declaration.constName} = [`, literals, '] as const;')
      );
    }
  }
}

function printAlias(name: string, type: TypeExpr, options: PrintOptions): string {
  const head = `export type ${name} =`;
  const oneLine = `${head} ${printType(type, options)};\n`;
  if (oneLine.length <= WIDTH + 1 || type.kind !== 'union') return oneLine;
  return `${head}\n${type.members.map((m) => `  | ${printType(m, options)}`).join('\n')};\n`;
}

function printList(open: string, items: readonly string[], close: string): string {
  const oneLine = `${open}${items.join(', ')}${close}\n`;
  if (oneLine.length <= WIDTH + 1) return oneLine;
  return `${open}\n${items.map((item) => `  ${item},`).join('\n')}\n${close}\n`;
}
