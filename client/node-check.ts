import { InvalidInputError } from './errors';
import { clusterDeclaration } from './load-plan';

/**
 * A node worker refuses to start on a machine its cluster file describes otherwise: routing
 * trusts the declared os/arch (`requires: { arch: arm64 }` picks the node), so a contradicting
 * worker would run steps meant for another kind of machine. Checked against a cluster file only
 * (`--cluster`, MAESTRO_CLUSTER, or `maestro.cluster.yaml` here); the built-in nodes are names
 * for one-machine use (`maestro dev` runs all three here).
 */
export async function assertNodesDescribeThisMachine(nodes: readonly string[], clusterFile: string | undefined, real = { os: process.platform as string, arch: process.arch as string }): Promise<void> {
  if (nodes.length === 0) return;
  const { nodes: declared, file } = await clusterDeclaration(clusterFile);
  if (file === undefined) return;
  for (const name of nodes) {
    const node = declared.find((n) => n.name === name);
    if (!node || (node.os === real.os && node.arch === real.arch)) continue;
    throw new InvalidInputError(
      `node ${name} is declared ${node.os}/${node.arch} in ${file}, but this machine is ${real.os}/${real.arch}: not starting its worker`,
      `Start the worker for ${name} on the ${node.os}/${node.arch} machine, or correct ${name}'s os/arch in ${file} (routing trusts it: requires: { os, arch } picks nodes by it).`,
    );
  }
}
