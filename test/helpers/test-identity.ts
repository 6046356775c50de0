import { rmSync } from 'node:fs';
import { NAMESPACES } from '../../trust/allowed-signers';
import { readTrustFile } from '../../workers/trust-file';
import type { StepTrust } from '../../activities/step-guard';
import { signerLine, sshKeygen, tempDir, writeTrustFile, type TestKey } from './ssh-keys';

/**
 * The operator of the test suite: an ed25519 key made by ssh-keygen and a trust file allowing it
 * both namespaces, made once per test file (jest-setup.ts) and exported as MAESTRO_KEY and
 * MAESTRO_TRUST, so in-process CLI calls, spawned processes and helpers all sign and verify.
 */
export interface TestIdentity {
  dir: string;
  operator: TestKey;
  trustFile: string;
}

let identity: TestIdentity | undefined;

export function testIdentity(): TestIdentity {
  if (!identity) {
    const dir = tempDir('maestro-test-identity-');
    const operator = sshKeygen(dir, 'tester');
    const trustFile = writeTrustFile(dir, [signerLine(operator, [NAMESPACES.plan, NAMESPACES.approval])]);
    identity = { dir, operator, trustFile };
  }
  return identity;
}

export function removeTestIdentity(): void {
  if (identity) rmSync(identity.dir, { recursive: true, force: true });
  identity = undefined;
}

/** The node workers' trust: the test trust file, read now. */
export function testStepTrust(file = testIdentity().trustFile): StepTrust {
  const trust = readTrustFile(file);
  return { mode: 'verify', current: () => trust, source: file };
}
