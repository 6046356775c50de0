import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A private test network made of Linux network namespaces: one namespace per host, each with one
 * veth into a bridge that lives in a namespace of its own (the "switch"), so neither the subnet
 * nor any interface appears in the machine's own network stack. Unplugging a host's cable on the
 * switch (`partition`) is a real partition: packets are dropped, connections hang, nothing is
 * refused. Needs root (CAP_NET_ADMIN); `createNetwork` fails saying so, never skips.
 */

/** Every namespace this suite makes starts with this, followed by the owning process id. */
export const NETNS_PREFIX = 'mcl';
/** RFC 2544's benchmarking range: not routed anywhere, and here only inside the namespaces. */
export const TEST_SUBNET = '198.18.0';

export interface Host {
  /** Short name in the test (`server`, `cli`, a node name). */
  name: string;
  netns: string;
  ip: string;
}

export interface TestNetwork {
  hosts: Record<string, Host>;
  /** `ip netns exec <host's ns>` prefix for a command run on `host`. */
  exec(host: string): string[];
  /** Unplugs `host` from the switch; its own stack (address, routes) is left as it was. */
  partition(host: string): void;
  heal(host: string): void;
  /** Kills every process left in the namespaces and deletes them. Safe to call twice. */
  destroy(): void;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Interface name of `host` on the switch (≤ 15 characters). */
const switchPort = (index: number) => `port${index}`;

/**
 * Makes a namespace per host on `${TEST_SUBNET}.0/24`, addresses in host order from .1.
 * Sweeps namespaces left by earlier runs whose process is gone first.
 */
export function createNetwork(hostNames: string[]): TestNetwork {
  sweepLeftovers();
  const tag = `${NETNS_PREFIX}${process.pid}`;
  const switchNs = `${tag}-switch`;
  const hosts: Record<string, Host> = {};
  hostNames.forEach((name, i) => (hosts[name] = { name, netns: `${tag}-${name}`, ip: `${TEST_SUBNET}.${i + 1}` }));
  const made: string[] = [];
  const destroy = () => {
    for (const ns of [...made].reverse()) deleteNamespace(ns);
    made.length = 0;
  };
  try {
    for (const ns of [switchNs, ...Object.values(hosts).map((h) => h.netns)]) {
      ip(['netns', 'add', ns]);
      made.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', switchNs, 'link', 'set', 'br0', 'up']);
    Object.values(hosts).forEach((host, i) => {
      // Both ends are made inside the namespaces: the machine's own stack never sees them.
      ip(['-n', switchNs, 'link', 'add', switchPort(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns]);
      ip(['-n', switchNs, 'link', 'set', switchPort(i), 'master', 'br0']);
      ip(['-n', switchNs, 'link', 'set', switchPort(i), 'up']);
      ip(['-n', host.netns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
      ip(['-n', host.netns, 'link', 'set', 'eth0', 'up']);
    });
  } catch (err) {
    destroy();
    const detail = (err as { stderr?: string }).stderr ?? (err as Error).message;
    throw new Error(
      `cannot make the cluster test's network namespaces (${detail.trim()}). ` +
        'The cluster suite needs root with CAP_NET_ADMIN and iproute2 (`ip netns`); it does not skip.',
    );
  }
  const index = (host: string) => {
    const i = hostNames.indexOf(host);
    if (i < 0) throw new Error(`no host ${host} in the test network`);
    return i;
  };
  return {
    hosts,
    exec: (host) => ['ip', 'netns', 'exec', hosts[host]!.netns],
    partition: (host) => void ip(['-n', switchNs, 'link', 'set', switchPort(index(host)), 'down']),
    heal: (host) => void ip(['-n', switchNs, 'link', 'set', switchPort(index(host)), 'up']),
    destroy,
  };
}

function deleteNamespace(ns: string): void {
  if (!existsSync(`/run/netns/${ns}`)) return;
  // Processes keep a namespace's stack alive after `netns del`: end them first.
  let pids: string[] = [];
  try {
    pids = ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
  } catch {
    // Gone already.
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
  try {
    ip(['netns', 'del', ns]);
  } catch {
    // Deleted by someone else meanwhile.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes namespaces of this suite whose owning test process no longer runs (a crashed run's leftovers). */
export function sweepLeftovers(): void {
  let names: string[] = [];
  try {
    names = ip(['netns', 'list']).split('\n').map((line) => line.split(' ')[0] ?? '');
  } catch {
    return;
  }
  for (const ns of names) {
    const owner = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(ns);
    if (owner && Number(owner[1]) !== process.pid && !alive(Number(owner[1]))) deleteNamespace(ns);
  }
}
