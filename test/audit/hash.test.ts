import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditHash, canonicalContent, GENESIS_HASH, type AuditContent } from '../../src/audit/index.js';

/** The definition: canonicalize() of the whole content object, `at` as its ISO string. */
const reference = (c: AuditContent) => canonicalize({ ...c, at: c.at.toISOString() })!;

const samples: AuditContent[] = [
  { seq: 1, at: new Date('2025-01-31T12:00:00.123Z'), actor: 'alice', action: 'alias.moved', subjectKind: 'alias', subjectId: 'churn@production', workflowId: 'wf-1', temporalRunId: 'r-1', reason: 'promote', details: { toVersion: 3, fromVersion: null } },
  { seq: 9007199254740991, at: new Date(0), actor: 'ünïcødé "quoted" \\ \n\t\u2028', action: 'rollback', subjectKind: 'k', subjectId: '€', workflowId: null, temporalRunId: null, reason: null, details: {} },
  { seq: 42, at: new Date('2030-06-01T00:00:00.999Z'), actor: 'x', action: 'a.b', subjectKind: 's', subjectId: 'i', workflowId: 'w', temporalRunId: null, reason: '', details: { z: [1e21, 1e-7, -0, 0.1, 3], a: { '\u00e9': true, e: false, b: 'x' }, '10': 1, '9': 2 } },
];

describe('the audit record hash', () => {
  it('writes the same canonical JSON as canonicalize() of the whole content', () => {
    for (const sample of samples) expect(canonicalContent(sample)).toBe(reference(sample));
  });

  it('is sha256 over the previous hash followed by the canonical content', () => {
    const sample = samples[0]!;
    expect(auditHash(GENESIS_HASH, sample)).toBe(createHash('sha256').update(GENESIS_HASH + reference(sample)).digest('hex'));
  });

  it('changes when any field or the previous hash changes', () => {
    const sample = samples[0]!;
    const base = auditHash(GENESIS_HASH, sample);
    const variants: Partial<AuditContent>[] = [{ seq: 2 }, { at: new Date(sample.at.getTime() + 1) }, { actor: 'bob' }, { action: 'rollback' }, { subjectKind: 'x' }, { subjectId: 'x' }, { workflowId: null }, { temporalRunId: 'r-2' }, { reason: null }, { details: { toVersion: 4, fromVersion: null } }];
    for (const variant of variants) expect(auditHash(GENESIS_HASH, { ...sample, ...variant })).not.toBe(base);
    expect(auditHash('1'.repeat(64), sample)).not.toBe(base);
  });
});
