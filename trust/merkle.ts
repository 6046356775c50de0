import { sha256 } from '@noble/hashes/sha2';
import { concat, equalBytes, fromHex, toHex } from './bytes';

/**
 * A Merkle tree over a signed plan's services, so one signature covers a 1,000-service plan and
 * each step carries only its service and ~log2(n) hashes. Leaves and inner nodes are hashed with
 * different prefixes (as RFC 6962 does), so a leaf can never pass for an inner node.
 */

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export const leafHash = (leaf: Uint8Array): Uint8Array => sha256(concat(LEAF, leaf));
const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(concat(NODE, left, right));

/** One step of a proof: the sibling's hash and on which side it sits ('l…' or 'r…' + hex). */
export type ProofStep = string;

/** The root and every leaf's proof. A lone last node moves up a level unchanged. */
export function merkleTree(leafHashes: Uint8Array[]): { root: string; proofs: ProofStep[][] } {
  if (leafHashes.length === 0) throw new Error('a Merkle tree needs at least one leaf');
  const proofs: ProofStep[][] = leafHashes.map(() => []);
  // members[i]: the leaves under level node i.
  let level = leafHashes;
  let members = leafHashes.map((_, i) => [i]);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    const nextMembers: number[][] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      if (!right) {
        next.push(left);
        nextMembers.push(members[i]!);
        continue;
      }
      for (const leaf of members[i]!) proofs[leaf]!.push(`r${toHex(right)}`);
      for (const leaf of members[i + 1]!) proofs[leaf]!.push(`l${toHex(left)}`);
      next.push(nodeHash(left, right));
      nextMembers.push([...members[i]!, ...members[i + 1]!]);
    }
    level = next;
    members = nextMembers;
  }
  return { root: toHex(level[0]!), proofs };
}

/** Does `leaf` with `proof` lead to `root`? Never throws. */
export function verifyMerkleProof(leaf: Uint8Array, proof: ProofStep[], root: string): boolean {
  try {
    let hash = leafHash(leaf);
    for (const step of proof) {
      const sibling = fromHex(step.slice(1));
      if (sibling.length !== 32) return false;
      if (step[0] === 'l') hash = nodeHash(sibling, hash);
      else if (step[0] === 'r') hash = nodeHash(hash, sibling);
      else return false;
    }
    return equalBytes(hash, fromHex(root));
  } catch {
    return false;
  }
}
