import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NAMESPACES } from '../../trust/allowed-signers';
import { signerLine, sshKeygen, writeTrustFile, type TestKey } from '../helpers/ssh-keys';
import { APPROVER } from './migration-plan';

/**
 * The cluster's keys as an operator sets them up on three machines: an ed25519 key made by
 * `ssh-keygen` for the operator (named after the plan's approver, allowed to sign plans and
 * approvals), and each node's own copy of the trust file, given to its worker with `--trust`.
 * A second key, known only to itself, stands for someone who can reach Temporal but is not trusted.
 */
export interface ClusterTrust {
  operator: TestKey;
  /** The operator's trust file on the CLI machine (which approval keys a run it signs accepts). */
  operatorTrust: string;
  /** Each node's own trust file: `--trust` of its worker. */
  nodeTrust(node: string): string;
  /** An ssh-keygen key no node trusts, with a trust file of its own (so the CLI signs with it). */
  intruder: TestKey;
  intruderTrust: string;
}

export function makeClusterTrust(dir: string, nodes: readonly string[]): ClusterTrust {
  const keys = join(dir, 'keys');
  mkdirSync(keys, { recursive: true });
  const operator = sshKeygen(keys, APPROVER);
  const operatorTrust = writeTrustFile(keys, [signerLine(operator, [NAMESPACES.plan, NAMESPACES.approval])]);
  const files = new Map<string, string>();
  for (const node of nodes) {
    const nodeDir = join(dir, 'nodes', node);
    mkdirSync(nodeDir, { recursive: true });
    const file = join(nodeDir, 'allowed_signers');
    copyFileSync(operatorTrust, file);
    files.set(node, file);
  }
  const intruderDir = join(dir, 'intruder');
  mkdirSync(intruderDir, { recursive: true });
  const intruder = sshKeygen(intruderDir, 'intruder');
  const intruderTrust = writeTrustFile(intruderDir, [signerLine(intruder, [NAMESPACES.plan, NAMESPACES.approval])]);
  return {
    operator,
    operatorTrust,
    nodeTrust: (node) => {
      const file = files.get(node);
      if (!file) throw new Error(`no trust file for node ${node}`);
      return file;
    },
    intruder,
    intruderTrust,
  };
}

/** The CLI's environment when it signs as `key` with `trust`. */
export const signingEnv = (key: TestKey, trust: string): NodeJS.ProcessEnv => ({ MAESTRO_KEY: key.path, MAESTRO_TRUST: trust });
