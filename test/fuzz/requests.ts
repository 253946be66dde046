/**
 * Request generation for the fuzzer: for one operation of /openapi.json, a fast-check arbitrary of requests, valid and
 * invalid: schema-derived bodies and their mutations (wrong types, missing and extra fields, huge values, not JSON),
 * good and bad ids, good, wrong and absent credentials, good and bad Idempotency-Keys, query values in and out of range.
 * Placeholders (`@@…`) stand for things only the running server can give (a fresh order, session, token); the runner
 * fills them in just before sending.
 */
import fc from 'fast-check';
import { deref, validArb, type Doc, type Schema } from './schema.js';

export interface Operation {
  method: string;
  path: string;
  /** operation id for counting: `POST /session/{sessionId}/complete` */
  id: string;
  op: Schema;
  /** Where the path is served: its path item's `servers` (the demo shop, /healthz), else the document's `/api/payments`. */
  base: string;
}

export type SessionRef = 'pool' | 'fresh' | 'other' | 'unknown' | { garbage: string };
export type AuthRef = 'valid' | 'none' | 'wrong' | 'admin' | 'merchant' | 'other' | { raw: string };

export interface FuzzRequest {
  op: Operation;
  valid: boolean;
  session: SessionRef;
  auth: AuthRef;
  /** undefined: no header */
  key?: string;
  query: [string, string][];
  body: { kind: 'none' } | { kind: 'json'; value: unknown; contentType?: string } | { kind: 'raw'; text: string; contentType?: string };
  mutation: string;
}

export function operations(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, Schema>>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const base = ((item.servers as unknown as { url: string }[] | undefined)?.[0]?.url ?? '/api/payments').replace(/\/$/, '');
      ops.push({ method: method.toUpperCase(), path, id: `${method.toUpperCase()} ${base}${path}`, op, base });
    }
  }
  return ops;
}

const latin1 = (max: number) => fc.string({ maxLength: max, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const garbageId = fc.oneof(
  latin1(40),
  fc.constantFrom('', '..', '%2e%2e', 'cs_', `cs_${'A'.repeat(24)}`, `cs_${'0'.repeat(23)}`, 'cs_%00', 'null', 'undefined', '0', '-1', '%F0%9F%92%A5', '%ZZ'),
  fc.string({ minLength: 200, maxLength: 3000 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^cs_[0-9A-Za-z]{24}$/),
);
const badKey = fc.oneof(
  fc.constantFrom('', ' ', 'has space', 'ключ', 'a/b', 'k'.repeat(256), 'k'.repeat(5000), '\t'),
  latin1(30).filter((k) => !/^[A-Za-z0-9_.:-]{1,255}$/.test(k)),
);
const goodKey = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/));
const wrongValue = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', 'x', [], {}, [null], { a: { b: { c: 1 } } }),
  // U+0000: PostgreSQL cannot store it (the API must refuse it on both engines, not answer 500).
  fc.constantFrom<unknown>('\u0000', 'ord_\u0000', 'a\u0000b', { note: 'x\u0000' }, ['\u0000']),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 1_000, max: 120_000 }).map((n) => 'x'.repeat(n)),
);
const rawBodies = fc.oneof(
  fc.constantFrom('{', '{"a":', '[', 'nul', '{"paymentMethod":{"token":', '\u0000', '{}{}', '"\\ud800"', '{"a":1,}', "{'a':1}", 'NaN', '1e999'),
  fc.constantFrom('['.repeat(8_000), '{"a":'.repeat(3_000) + '1' + '}'.repeat(3_000), ' '.repeat(20_000) + '{}'),
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 16_300, max: 40_000 }).map((n) => JSON.stringify({ orderId: 'o', pad: 'p'.repeat(n) })),
);

function queryArb(doc: Doc, op: Schema): fc.Arbitrary<[string, string][]> {
  const params: Schema[] = (op.parameters ?? []).filter((p: Schema) => p.in === 'query');
  if (!params.length) return fc.constantFrom<[string, string][][]>([], [['unexpected', '1']]);
  const one = (p: Schema): fc.Arbitrary<[string, string]> =>
    fc
      .oneof(
        { weight: 3, arbitrary: validArb(doc, deref(doc, p.schema)).map((v) => String(v)) },
        {
          weight: 2,
          arbitrary: fc.oneof(
            fc.constantFrom('', '-1', '0', '1e3', 'NaN', 'Infinity', '501', '9'.repeat(40), 'all', 'COMPLETED,NOPE', '%00', '\u0000', 'cs_\u0000'),
            latin1(30),
            fc.string({ maxLength: 400 }),
          ),
        },
      )
      .map((v): [string, string] => [p.name as string, String(v)]);
  return fc.array(fc.oneof(...params.map(one)), { maxLength: params.length + 1 });
}

export function requestArb(doc: Doc, op: Operation): fc.Arbitrary<FuzzRequest> {
  const hasSession = op.path.includes('{sessionId}');
  const security = (op.op.security ?? []).flatMap((s: Schema) => Object.keys(s));
  const needsKey = (op.op.parameters ?? []).some((p: Schema) => p.in === 'header' && /idempotency-key/i.test(p.name) && p.required);
  const bodySchema = op.op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
  const isComplete = op.path.endsWith('/complete');
  const isCreate = op.path === '/session/create';

  const validBody = bodySchema
    ? validArb(doc, bodySchema).chain((v) => {
        // Ids the server knows make "valid" mean valid: a real order to create a session for, a real token to pay with.
        // amount, currency and metadata are for the merchant key only: a shopper's valid create carries orderId (and userId).
        if (isCreate) {
          const { orderId: _o, amount: _a, currency: _c, metadata: _m, ...shopper } = v as Record<string, unknown>;
          return fc
            .tuple(fc.constantFrom('@@order', '@@paid-order', '@@order'), fc.boolean())
            .map(([o, full]) => ({ ...(full ? (v as object) : shopper), orderId: o }));
        }
        if (isComplete)
          return fc
            .constantFrom('@@token:ok', '@@token:ok', '@@token:declined', '@@token:slow', '@@token:used', (v as any).paymentMethod.token)
            .map((t) => ({ paymentMethod: { token: t } }));
        if (op.path === '/test-processor/tokens') {
          const card = (v as { card: Record<string, unknown> }).card;
          return fc
            .tuple(
              fc.constantFrom('4242424242424242', '4000000000000002', '4000 0000 0000 0119', '4242-4242-4242-4242', '378282246310005', card.number),
              fc.integer({ min: 1, max: 12 }),
              fc.constantFrom(2031, 31, 2075, card.expYear),
            )
            .map(([number, expMonth, expYear]) => ({ card: { ...card, number, expMonth, expYear, cvc: number === '378282246310005' ? '1234' : '123' } }));
        }
        return fc.constant(v);
      })
    : fc.constant(undefined);

  const mutated = bodySchema
    ? fc
        .tuple(
          validBody,
          fc.constantFrom('wrong_type', 'drop_field', 'extra_field', 'huge_value', 'not_object', 'nul_string', 'nul_string'),
          fc.nat(),
          wrongValue,
        )
        .map(([v, kind, pick, w]) => ({ kind, value: mutate(v, kind, pick, w) }))
    : fc.tuple(wrongValue).map(([w]) => ({ kind: 'unexpected_body', value: w as unknown }));

  const body: fc.Arbitrary<{ mutation: string; valid: boolean; body: FuzzRequest['body'] }> = fc.oneof(
    {
      weight: 6,
      arbitrary: validBody.map((v) => ({
        mutation: 'none',
        valid: true,
        body: v === undefined ? ({ kind: 'none' } as const) : ({ kind: 'json', value: v } as const),
      })),
    },
    { weight: 4, arbitrary: mutated.map((m) => ({ mutation: m.kind, valid: false, body: { kind: 'json', value: m.value } as const })) },
    { weight: 2, arbitrary: rawBodies.map((t) => ({ mutation: 'raw', valid: false, body: { kind: 'raw', text: t } as const })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          validBody,
          fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', ''),
        )
        .map(([v, ct]) => ({ mutation: 'content_type', valid: false, body: { kind: 'json', value: v ?? {}, contentType: ct } as const })),
    },
    { weight: 1, arbitrary: fc.constant({ mutation: 'no_body', valid: !bodySchema || !op.op.requestBody?.required, body: { kind: 'none' } as const }) },
  );

  const validAuth: AuthRef = security.includes('adminToken') ? 'admin' : security.includes('clientSecret') ? 'valid' : 'none';
  const auth: fc.Arbitrary<{ auth: AuthRef; ok: boolean }> = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ auth: validAuth, ok: true }) },
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          fc.constantFrom<AuthRef>('none', 'wrong', 'admin', 'merchant', 'other', 'valid'),
          fc
            .constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer x', `Bearer ${'a'.repeat(600)}`, 'Bearer a b', 'Token abc')
            .map((raw) => ({ raw })),
          latin1(80).map((raw) => ({ raw })),
        )
        .map((a) => ({ auth: a, ok: a === validAuth || (isCreate && a === 'merchant') })),
    },
  );

  const session: fc.Arbitrary<SessionRef> = hasSession
    ? fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom<SessionRef>('pool', 'fresh') },
        { weight: 2, arbitrary: fc.constantFrom<SessionRef>('other', 'unknown') },
        { weight: 2, arbitrary: garbageId.map((g) => ({ garbage: g })) },
      )
    : fc.constant('pool');

  const key =
    op.method === 'POST'
      ? fc.oneof(
          { weight: 6, arbitrary: goodKey },
          { weight: needsKey ? 2 : 4, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: badKey },
          { weight: 1, arbitrary: fc.constant('@@reuse') },
        )
      : fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: goodKey });

  // fetch cannot send a body with GET; a GET's "body" variations are its query and headers.
  const bodyOrNone = op.method === 'GET' ? fc.constant({ mutation: 'none', valid: true, body: { kind: 'none' } as const }) : body;
  return fc.record({ body: bodyOrNone, auth, session, key, query: queryArb(doc, op.op) }).map((r) => ({
    op,
    valid: r.body.valid && r.auth.ok && (r.session === 'pool' || r.session === 'fresh') && (!needsKey || (r.key !== undefined && !r.key.startsWith('@@'))),
    session: r.session,
    auth: r.auth.auth,
    key: r.key,
    query: r.query,
    body: r.body.body,
    mutation: r.body.mutation,
  }));
}

function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const out: (string | number)[][] = [prefix];
  for (const [k, c] of Object.entries(v)) out.push(...paths(c, [...prefix, Array.isArray(v) ? Number(k) : k]));
  return out;
}

function mutate(v: unknown, kind: string, pick: number, w: unknown): unknown {
  if (kind === 'not_object') return w;
  const copy = structuredClone(v ?? {}) as any;
  const all = paths(copy).filter((p) => p.length > 0);
  if (!all.length) return kind === 'extra_field' ? { extra: w } : w;
  const p = all[pick % all.length];
  const parent = p.slice(0, -1).reduce((o: any, k) => o[k], copy);
  const last = p[p.length - 1];
  if (kind === 'wrong_type') parent[last] = w;
  else if (kind === 'drop_field') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
  else if (kind === 'extra_field') {
    const target = parent && typeof parent === 'object' && !Array.isArray(parent) ? parent : copy;
    target[`extra_${pick % 7}`] = w;
  } else if (kind === 'nul_string') {
    // A U+0000 inside an otherwise valid string (PostgreSQL cannot store it: the API must answer 400 on both engines).
    const strings = all.filter((q) => typeof q.slice(0, -1).reduce((o: any, k) => o[k], copy)[q[q.length - 1]] === 'string');
    const s = strings[pick % Math.max(1, strings.length)] ?? p;
    const host = s.slice(0, -1).reduce((o: any, k) => o[k], copy);
    host[s[s.length - 1]] = `${String(host[s[s.length - 1]] ?? '')}\u0000`;
  } else if (kind === 'huge_value')
    parent[last] = typeof parent[last] === 'number' ? [1e308, -1e308, 2 ** 63, -0.5, 1e-300][pick % 5] : 'Z'.repeat([300, 5_000, 15_000, 17_000][pick % 4]);
  return copy;
}
