import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import type { StepTrust } from '../activities/step-guard';
import { NAMESPACES, type TrustSet } from '../trust/allowed-signers';
import { ED25519, type PublicKey } from '../trust/ssh-keys';
import type { SigningKey } from '../trust/sshsig';

/**
 * The bench runs signed, as `maestro run` and a node with a trust file do, so its numbers include
 * signing the plan and every node's check of every step: a key made for the run, trusted in memory.
 */
const seed = new Uint8Array(randomBytes(32));
const publicKey: PublicKey = { type: ED25519, key: ed25519.getPublicKey(seed) };
export const BENCH_KEY: SigningKey = { seed, publicKey };

const trust: TrustSet = { signers: [{ principals: ['bench'], namespaces: [NAMESPACES.plan, NAMESPACES.approval], publicKey, line: 1 }], warnings: [] };
export const BENCH_TRUST: StepTrust = { mode: 'verify', current: () => trust, source: 'bench (in memory)' };
