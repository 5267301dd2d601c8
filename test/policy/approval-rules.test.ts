import { describe, expect, it } from 'vitest';
import { approval } from '../../src/dsl/define.js';
import {
  approvalOutcome,
  describeProgress,
  evaluateApprovalAttempt,
  hasRole,
  type ApprovalAttempt,
  type CountedDecision,
} from '../../src/core/approval-rules.js';

const leads = approval({ required: 2, groups: ['ml-leads'] });
const lead = (name: string) => ({ name, groups: ['ml-leads'], roles: ['approver'] });
const attempt = (over: Partial<ApprovalAttempt>): ApprovalAttempt => ({
  rule: leads,
  approver: lead('bob'),
  runAuthor: 'alice',
  runTrigger: 'alice',
  decisions: [],
  env: 'production',
  ...over,
});

describe('roles', () => {
  it('a role includes the roles below it', () => {
    expect(hasRole(['admin'], 'approver')).toBe(true);
    expect(hasRole(['approver'], 'engineer')).toBe(true);
    expect(hasRole(['approver'], 'viewer')).toBe(true);
    expect(hasRole(['engineer'], 'approver')).toBe(false);
    expect(hasRole([], 'viewer')).toBe(false);
    expect(hasRole(['superuser'], 'viewer')).toBe(false);
  });
});

describe('evaluateApprovalAttempt', () => {
  it('accepts an approver from the rule\'s group who did not trigger the run', () => {
    expect(evaluateApprovalAttempt(attempt({}))).toEqual({ accepted: true });
  });

  it('accepts an admin: admin includes approver', () => {
    expect(evaluateApprovalAttempt(attempt({ approver: { name: 'root', groups: ['ml-leads'], roles: ['admin'] } }))).toEqual({ accepted: true });
  });

  it('refuses a user without the approver role and says how to get it', () => {
    const result = evaluateApprovalAttempt(attempt({ approver: { name: 'eve', groups: ['ml-leads'], roles: ['engineer'] } }));
    expect(result).toMatchObject({ accepted: false, code: 'not-approver' });
    expect(!result.accepted && result.reason).toContain("ferry users grant eve approver");
  });

  it('refuses an approver outside the rule\'s groups, naming the groups', () => {
    const result = evaluateApprovalAttempt(attempt({ approver: { name: 'carol', groups: ['data'], roles: ['approver'] } }));
    expect(result).toMatchObject({ accepted: false, code: 'not-in-group' });
    expect(!result.accepted && result.reason).toBe('carol is not a member of ml-leads, whose members approve for production');
  });

  it('lets any approver decide when the rule names no groups', () => {
    expect(evaluateApprovalAttempt(attempt({ rule: approval(), approver: { name: 'carol', roles: ['approver'] } }))).toEqual({ accepted: true });
  });

  it('accepts a member of any one of several groups', () => {
    const rule = approval({ groups: ['ml-leads', 'risk'] });
    expect(evaluateApprovalAttempt(attempt({ rule, approver: { name: 'rita', groups: ['risk'], roles: ['approver'] } }))).toEqual({ accepted: true });
  });

  it('refuses self-approval by the person who triggered the run', () => {
    const result = evaluateApprovalAttempt(attempt({ approver: lead('alice'), runAuthor: 'someone-else' }));
    expect(result).toMatchObject({ accepted: false, code: 'self-approval' });
    expect(!result.accepted && result.reason).toMatch(/^you triggered this run/);
  });

  it('refuses self-approval by the run\'s author even when someone else triggered it', () => {
    const result = evaluateApprovalAttempt(attempt({ approver: lead('alice'), runAuthor: 'alice', runTrigger: 'ci-bot' }));
    expect(result).toMatchObject({ accepted: false, code: 'self-approval' });
    expect(!result.accepted && result.reason).toMatch(/^you authored this run/);
  });

  it('lets the author reject (withdraw) their own run', () => {
    expect(evaluateApprovalAttempt(attempt({ approver: lead('alice'), decision: 'reject' }))).toEqual({ accepted: true });
  });

  it('still checks role and group for a rejection', () => {
    expect(evaluateApprovalAttempt(attempt({ approver: { name: 'eve', roles: ['viewer'] }, decision: 'reject' }))).toMatchObject({ accepted: false, code: 'not-approver' });
    expect(evaluateApprovalAttempt(attempt({ approver: { name: 'eve', roles: ['approver'] }, decision: 'reject' }))).toMatchObject({ accepted: false, code: 'not-in-group' });
  });

  it('refuses a second decision by the same person', () => {
    const result = evaluateApprovalAttempt(attempt({ decisions: [{ approver: 'bob', decision: 'approve' }] }));
    expect(result).toMatchObject({ accepted: false, code: 'duplicate' });
    expect(!result.accepted && result.reason).toBe('bob already approved this run for production; each person decides once');
  });

  it('refuses any decision once the approval is decided', () => {
    const approved: CountedDecision[] = [
      { approver: 'bob', decision: 'approve' },
      { approver: 'carol', decision: 'approve' },
    ];
    expect(evaluateApprovalAttempt(attempt({ approver: lead('dave'), decisions: approved }))).toMatchObject({ accepted: false, code: 'decided' });
    const rejected: CountedDecision[] = [{ approver: 'carol', decision: 'reject' }];
    const result = evaluateApprovalAttempt(attempt({ approver: lead('dave'), decisions: rejected, decision: 'reject' }));
    expect(result).toMatchObject({ accepted: false, code: 'decided' });
    expect(!result.accepted && result.reason).toBe('the approval for production is already rejected; nothing more to decide');
  });

  it('refuses an unauthenticated shape (empty name) by throwing, so a validator rejects it', () => {
    expect(() => evaluateApprovalAttempt(attempt({ approver: { name: '', roles: ['approver'] } }))).toThrow();
  });

  it('is deterministic: the same attempt gives the same answer', () => {
    const a = attempt({ approver: lead('alice') });
    expect(evaluateApprovalAttempt(a)).toEqual(evaluateApprovalAttempt(a));
  });
});

describe('approvalOutcome', () => {
  it('is pending until N distinct people approved', () => {
    expect(approvalOutcome(leads, [])).toBe('pending');
    expect(approvalOutcome(leads, [{ approver: 'bob', decision: 'approve' }])).toBe('pending');
    expect(approvalOutcome(leads, [{ approver: 'bob', decision: 'approve' }, { approver: 'bob', decision: 'approve' }])).toBe('pending');
    expect(approvalOutcome(leads, [{ approver: 'bob', decision: 'approve' }, { approver: 'carol', decision: 'approve' }])).toBe('approved');
  });

  it('one approval is enough by default', () => {
    expect(approvalOutcome(approval(), [{ approver: 'bob', decision: 'approve' }])).toBe('approved');
  });

  it('any rejection rejects, even after enough approvals', () => {
    expect(approvalOutcome(leads, [{ approver: 'bob', decision: 'reject' }])).toBe('rejected');
    expect(
      approvalOutcome(leads, [
        { approver: 'bob', decision: 'approve' },
        { approver: 'carol', decision: 'approve' },
        { approver: 'dave', decision: 'reject' },
      ]),
    ).toBe('rejected');
  });

  it('a two-of-three rule walks pending → pending → approved with distinct approvers', () => {
    const decisions: CountedDecision[] = [];
    for (const name of ['bob', 'carol']) {
      expect(approvalOutcome(leads, decisions)).toBe('pending');
      const result = evaluateApprovalAttempt(attempt({ approver: lead(name), decisions }));
      expect(result.accepted).toBe(true);
      decisions.push({ approver: name, decision: 'approve' });
    }
    expect(approvalOutcome(leads, decisions)).toBe('approved');
    expect(describeProgress(leads, decisions)).toBe('2 of 2 approvals (bob, carol)');
  });
});
