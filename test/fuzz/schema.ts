/**
 * Just enough JSON Schema (as @hono/zod-openapi emits it for OpenAPI 3.1) for the fuzzer: turn a schema into a
 * fast-check arbitrary of valid values, and check an answer against a schema.
 */
import fc from 'fast-check';

export type Schema = Record<string, any>;
export type Doc = { components?: { schemas?: Record<string, Schema> } } & Record<string, any>;

export function deref(doc: Doc, s: Schema | undefined): Schema {
  let cur = s ?? {};
  for (let i = 0; cur.$ref && i < 10; i++) {
    const name = String(cur.$ref).replace('#/components/schemas/', '');
    cur = doc.components?.schemas?.[name] ?? {};
  }
  return cur;
}

/** Values that satisfy `schema` (bounded in size: this is for requests, not for exhausting the schema). */
export function validArb(doc: Doc, schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(doc, schema);
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts)) return fc.oneof(...alts.map((a: Schema) => validArb(doc, a, depth + 1)));
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((t: string) => validArb(doc, { ...s, type: t }, depth + 1)));
  switch (s.type) {
    case 'string': {
      const min = s.minLength ?? 0;
      const max = Math.min(s.maxLength ?? 40, 300);
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= max);
      return fc.string({ minLength: min, maxLength: Math.max(min, max), unit: 'grapheme-composite' });
    }
    case 'integer': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000_000);
      return fc.integer({ min, max });
    }
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validArb(doc, s.items, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) props[k] = validArb(doc, v, depth + 1);
      const base = fc.record(props, { requiredKeys: s.required ?? [] });
      if (s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), validArb(doc, s.additionalProperties, depth + 1), { maxKeys: depth > 2 ? 0 : 4 });
      }
      return base;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Where `value` breaks `schema` (empty when it conforms). Covers the keywords the generated documents use. */
export function validate(doc: Doc, schema: Schema | undefined, value: unknown, path = '$'): string[] {
  const s = deref(doc, schema);
  if (!schema || Object.keys(s).length === 0) return [];
  const errs: string[] = [];
  if (s.const !== undefined && value !== s.const) errs.push(`${path}: expected ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(value)) errs.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`);
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts) && !alts.some((a: Schema) => validate(doc, a, value, path).length === 0)) errs.push(`${path}: matches none of anyOf/oneOf`);
  if (Array.isArray(s.allOf)) for (const a of s.allOf) errs.push(...validate(doc, a, value, path));
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const ok = types.some((t) => typeMatches(t, value));
    if (!ok) return [...errs, `${path}: expected ${types.join('|')}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`];
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) errs.push(`${path}: shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && value.length > s.maxLength) errs.push(`${path}: longer than ${s.maxLength}`);
    if (s.pattern && !new RegExp(s.pattern).test(value)) errs.push(`${path}: does not match ${s.pattern}`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) errs.push(`${path}: below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) errs.push(`${path}: above ${s.maximum}`);
  }
  if (Array.isArray(value) && s.items) value.forEach((v, i) => errs.push(...validate(doc, s.items, v, `${path}[${i}]`)));
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in obj)) errs.push(`${path}.${k}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (s.properties?.[k]) errs.push(...validate(doc, s.properties[k], v, `${path}.${k}`));
      else if (s.additionalProperties === false) errs.push(`${path}.${k}: not allowed`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') errs.push(...validate(doc, s.additionalProperties, v, `${path}.${k}`));
    }
  }
  return errs;
}

function typeMatches(t: string, v: unknown): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return true;
  }
}
