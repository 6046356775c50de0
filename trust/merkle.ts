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

/** Every level of the tree, leaves first; a lone last node moves up a level unchanged. */
function levels(leafHashes: Uint8Array[]): Uint8Array[][] {
  if (leafHashes.length === 0) throw new Error('a Merkle tree needs at least one leaf');
  const out = [leafHashes];
  for (let level = leafHashes; level.length > 1; ) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    out.push(next);
    level = next;
  }
  return out;
}

/**
 * The root, and each leaf's proof on demand: building every proof up front costs O(n log n)
 * hex strings, which a 5,000-service run's parent workflow cannot afford in one workflow task.
 */
export function merkleTree(leafHashes: Uint8Array[]): { root: string; proof(index: number): ProofStep[] } {
  const tree = levels(leafHashes);
  return {
    root: toHex(tree[tree.length - 1]![0]!),
    proof(index) {
      const steps: ProofStep[] = [];
      let i = index;
      for (const level of tree.slice(0, -1)) {
        const sibling = i % 2 === 0 ? level[i + 1] : level[i - 1];
        if (sibling) steps.push(`${i % 2 === 0 ? 'r' : 'l'}${toHex(sibling)}`);
        i = Math.floor(i / 2);
      }
      return steps;
    },
  };
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
