import { rmSync } from 'node:fs';
import { NAMESPACES } from '../../trust/allowed-signers';
import { canonicalJson } from '../../trust/canonical-json';
import { leafHash, merkleTree, verifyMerkleProof } from '../../trust/merkle';
import { utf8 } from '../../trust/bytes';
import { verifySshsig } from '../../trust/sshsig';
import { signPlan } from '../../plan/sign-plan';
import { leafInPlan, parseStatement, planHash, signedServices } from '../../plan/signed-plan';
import { parsePlanText } from '../../plan/parse';
import { APPROVAL_STATEMENT_TYPE, approvalMessage, checkApproval, signApproval } from '../../plan/approval-signature';
import type { NormalizedPlan } from '../../plan/types';
import { signerLine, sshKeygen, sshVerify, tempDir, writeTrustFile } from '../helpers/ssh-keys';

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units, drops undefined members, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '\u00f6': 4 })).toBe(
      '{"\\r":2,"a":[true,null,"x"],"b":1,"ö":4,"€":1,"😀":3}',
    );
  });

  it('writes numbers and strings as RFC 8785 does', () => {
    // RFC 8785 appendix B samples.
    expect(canonicalJson([333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001, -0, 1e21, 1e-7])).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27,0,1e+21,1e-7]');
    expect(canonicalJson('\u2028\u0007"\\/')).toBe('"\u2028\\u0007\\"\\\\/"');
    expect(() => canonicalJson({ x: NaN })).toThrow(/not a JSON number/);
  });
});

describe('Merkle proofs', () => {
  it('every leaf proves its way to the root, for sizes 1..33; a changed leaf or proof does not', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => utf8(`leaf ${i}`));
      const tree = merkleTree(leaves.map(leafHash));
      const { root } = tree;
      const proofs = leaves.map((_, i) => tree.proof(i));
      leaves.forEach((leaf, i) => {
        expect(verifyMerkleProof(leaf, proofs[i]!, root)).toBe(true);
        expect(verifyMerkleProof(utf8(`leaf ${i}!`), proofs[i]!, root)).toBe(false);
        if (n > 1) expect(verifyMerkleProof(leaf, proofs[(i + 1) % n]!, root)).toBe(false);
      });
      expect(Math.max(...proofs.map((p) => p.length))).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
    }
  });

  it('refuses junk proofs without throwing', () => {
    const { root } = merkleTree([leafHash(utf8('a')), leafHash(utf8('b'))]);
    expect(verifyMerkleProof(utf8('a'), ['x00'], root)).toBe(false);
    expect(verifyMerkleProof(utf8('a'), ['rzz'], root)).toBe(false);
  });
});

describe('signed plans', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = sshKeygen(dir, 'ops-lead');
  const plan = parsePlanText(
    `apiVersion: maestro/v1
name: signed
approvals: { gates: [{ beforeWave: 2 }] }
services:
  a: { node: macpro51, steps: [{ name: s, run: "true", undo: "false" }] }
  b: { node: macpro51, dependsOn: [a], steps: [{ name: s, run: [touch, /tmp/x] }] }
  c: { node: macpro51, dependsOn: [a], approval: { timeout: 1h }, steps: [{ name: s, run: "true" }] }
`,
    { file: '/plans/signed.yaml', baseDir: '/plans' },
  );
  if (!plan.ok) throw new Error(JSON.stringify(plan.errors));
  const normalized: NormalizedPlan = plan.plan;

  it('one signature over the run id, expiry, plan hash and Merkle root; ssh-keygen -Y verify accepts it', () => {
    const signature = signPlan(normalized, { runId: 'run-1', key: key.signing, nowMs: Date.UTC(2026, 0, 1), ttlMs: 3_600_000 });
    const statement = parseStatement(signature.statement);
    expect(statement).toMatchObject({ runId: 'run-1', plan: 'signed', services: 3, planHash: planHash(normalized), expiresAt: '2026-01-01T01:00:00.000Z' });
    expect(verifySshsig(signature.signature, signature.statement, NAMESPACES.plan).ok).toBe(true);
    const trustFile = writeTrustFile(dir, [signerLine(key, [NAMESPACES.plan])]);
    expect(sshVerify({ trustFile, identity: 'ops-lead', namespace: NAMESPACES.plan, signature: signature.signature, payload: signature.statement, dir }).ok).toBe(true);
  });

  it("each service's leaf carries its gates and proves membership; a changed command does not", () => {
    const signature = signPlan(normalized, { runId: 'run-1', key: key.signing, nowMs: 0, ttlMs: 1 });
    const statement = parseStatement(signature.statement);
    const services = signedServices(normalized, signature);
    expect(services.get('a')!.leaf.gates).toEqual([]);
    expect(services.get('b')!.leaf.gates.map((g) => (g.kind === 'wave' ? g.beforeWave : g.service))).toEqual([2]);
    expect(services.get('c')!.leaf.gates.map((g) => (g.kind === 'wave' ? g.beforeWave : g.service))).toEqual([2, 'c']);
    for (const name of ['a', 'b', 'c']) expect(leafInPlan(statement, services.get(name)!)).toBe(true);
    const b = services.get('b')!;
    // A plan tampered after signing: the command differs from the signed one.
    const tampered = JSON.parse(JSON.stringify(b)) as typeof b;
    (tampered.leaf.service.steps[0] as { run: unknown }).run = { shell: 'touch /tmp/pwned' };
    expect(leafInPlan(statement, tampered)).toBe(false);
    // Another service's proof does not fit.
    expect(leafInPlan(statement, { leaf: b.leaf, proof: services.get('a')!.proof })).toBe(false);
    // Survives a JSON round trip (activity payloads): same bytes, same proof.
    expect(leafInPlan(statement, JSON.parse(JSON.stringify(b)))).toBe(true);
  });
});

describe('signed answers', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const opsLead = sshKeygen(dir, 'ops-lead');
  const dba = sshKeygen(dir, 'dba');
  const approvers = [opsLead, dba].map((k) => ({ name: k.name, key: k.publicText.split(' ').slice(0, 2).join(' ') }));
  const statement = { runId: 'run-1', planHash: 'ab'.repeat(32), action: 'approve' as const, target: 'wave-2', at: '2026-01-01T00:00:00.000Z' };

  it('ssh-keygen -Y verify accepts an approval Maestro made, over the statement bytes', () => {
    const signature = signApproval(statement, opsLead.signing);
    const trustFile = writeTrustFile(dir, [signerLine(opsLead, [NAMESPACES.approval])], 'approvers');
    const payload = approvalMessage({ type: APPROVAL_STATEMENT_TYPE, ...statement });
    expect(sshVerify({ trustFile, identity: 'ops-lead', namespace: NAMESPACES.approval, signature, payload, dir }).ok).toBe(true);
    expect(sshVerify({ trustFile, identity: 'ops-lead', namespace: NAMESPACES.plan, signature, payload, dir }).ok).toBe(false);
  });

  it('binds the run, the gate and the time; the name is the key’s', () => {
    const signature = signApproval(statement, opsLead.signing);
    expect(checkApproval({ signature, statement, claimed: 'ops-lead', approvers })).toMatchObject({ ok: true, name: 'ops-lead' });
    expect(checkApproval({ signature, statement: { ...statement, target: 'wave-3' }, claimed: 'ops-lead', approvers })).toMatchObject({ ok: false, reason: expect.stringMatching(/bad signature/) });
    expect(checkApproval({ signature, statement: { ...statement, runId: 'run-2' }, claimed: 'ops-lead', approvers })).toMatchObject({ ok: false });
    expect(checkApproval({ signature, statement, claimed: 'dba', approvers })).toMatchObject({ ok: false, reason: expect.stringMatching(/signed with ops-lead's key/) });
    expect(checkApproval({ signature: undefined, statement, claimed: 'dba', approvers })).toMatchObject({ ok: false, reason: expect.stringMatching(/^unsigned/) });
  });
});
