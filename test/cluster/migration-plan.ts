import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A realistic migration for the three-node cluster: 8 services in 4 waves, a gate before wave 3,
 * an HTTP health check against a service that runs inside another node's namespace, an undo for
 * every command. Every command is `step.sh`, which writes one line per start and end to
 * events.log (with the network namespace it ran in) and obeys control files the test writes:
 *   control/<service>.<step>[.undo].sleep.<attempt>  seconds to take on that attempt
 *   control/<service>.<step>[.undo].fail             exit 1 (every attempt)
 * so a case can hold a step open while it partitions a node, or fail one to cause a rollback.
 */

export const MIGRATION_SERVICES = {
  'postgres-primary': { node: 'macpro51', dependsOn: [], steps: ['snapshot', 'migrate-schema'] },
  'object-store': { node: 'macpro51', dependsOn: [], steps: ['sync-buckets'] },
  auth: { node: 'macbook-air', dependsOn: ['postgres-primary'], steps: ['deploy'] },
  api: { node: 'macpro51', dependsOn: ['postgres-primary', 'object-store'], steps: ['deploy'] },
  'worker-queue': { node: 'macbook-air', dependsOn: ['postgres-primary'], steps: ['deploy'] },
  web: { node: 'mac-studio', dependsOn: ['api', 'auth'], steps: ['deploy'] },
  'search-index': { node: 'macbook-air', dependsOn: ['api'], steps: ['reindex'] },
  'dns-cutover': { node: 'mac-studio', dependsOn: ['web', 'search-index', 'worker-queue'], steps: ['switch'] },
} as const;

export type ServiceName = keyof typeof MIGRATION_SERVICES;
/** The waves the plan's dependencies make (the gate holds the third). */
export const MIGRATION_WAVES: ServiceName[][] = [
  ['postgres-primary', 'object-store'],
  ['auth', 'api', 'worker-queue'],
  ['web', 'search-index'],
  ['dns-cutover'],
];
export const GATE_WAVE = 3;
export const APPROVER = 'ops-lead';

const STEP_SCRIPT = `#!/bin/sh
# step.sh <service> <step> <phase>: one line per start and end in events.log.
set -eu
dir="$(cd "$(dirname "$0")" && pwd)"
id="$1.$2"; [ "$3" = undo ] && id="$id.undo"
ns="$(ip netns identify $$ 2>/dev/null || true)"
line() { echo "$1 $MAESTRO_SERVICE $MAESTRO_STEP $4 $MAESTRO_ATTEMPT $MAESTRO_NODE \${ns:-root} $MAESTRO_IDEMPOTENCY_KEY $MAESTRO_RUN_ID" >> "$dir/events.log"; }
line start "$@"
if [ -f "$dir/control/$id.sleep.$MAESTRO_ATTEMPT" ]; then sleep "$(cat "$dir/control/$id.sleep.$MAESTRO_ATTEMPT")"; fi
if [ -f "$dir/control/$id.fail" ]; then echo "$id failed on purpose"; exit 1; fi
line done "$@"
echo "$id ok on $MAESTRO_NODE"
`;

export interface MigrationPlan {
  dir: string;
  file: string;
  /** Makes `<service>.<step>[.undo]` take `seconds` on `attempt`. */
  holdStep(id: string, seconds: number, attempt?: number): void;
  failStep(id: string): void;
  clearControls(): void;
  events(runId?: string): StepEvent[];
}

export interface StepEvent {
  kind: 'start' | 'done';
  service: string;
  step: string;
  phase: 'do' | 'undo';
  attempt: number;
  node: string;
  netns: string;
  key: string;
  runId: string;
}

/** Writes the plan, its script and an empty control folder into `dir`. */
export function writeMigrationPlan(dir: string, options: { healthUrl: string; name?: string }): MigrationPlan {
  mkdirSync(join(dir, 'control'), { recursive: true });
  writeFileSync(join(dir, 'step.sh'), STEP_SCRIPT);
  chmodSync(join(dir, 'step.sh'), 0o755);
  const command = (service: string, step: string, phase: string) => `[sh, step.sh, ${service}, ${step}, ${phase}]`;
  const lines = [
    'apiVersion: maestro/v1',
    `name: ${options.name ?? 'cluster-migration'}`,
    'workdir: .',
    // The test's nodes are Linux namespaces: declare them as what they are.
    'nodes:',
    '  mac-studio: { os: linux, arch: x64, roles: [orchestrator] }',
    '  macbook-air: { os: linux, arch: x64, roles: [research] }',
    '  macpro51: { os: linux, arch: x64, roles: [docker] }',
    'strategy: { mode: waves, maxParallel: 4, onFailure: rollback, nodeTimeout: 2m }',
    'defaults: { timeout: 2m, retry: { maxAttempts: 3, initialInterval: 1s, backoff: 2 } }',
    'approvals:',
    `  approvers: [${APPROVER}]`,
    `  gates: [{ beforeWave: ${GATE_WAVE}, timeout: 10m, onTimeout: reject }]`,
    'services:',
  ];
  for (const [name, spec] of Object.entries(MIGRATION_SERVICES)) {
    lines.push(`  ${name}:`, `    node: ${spec.node}`);
    if (spec.dependsOn.length) lines.push(`    dependsOn: [${spec.dependsOn.join(', ')}]`);
    lines.push('    steps:');
    for (const step of spec.steps) {
      lines.push(`      - name: ${step}`, `        run: ${command(name, step, 'do')}`, `        undo: ${command(name, step, 'undo')}`);
    }
    // The API is healthy once its health endpoint, served on another node, answers twice.
    if (name === 'api') {
      lines.push('      - name: health', `        check: { http: "${options.healthUrl}", status: 200, successes: 2, failures: 5, interval: 500ms, timeout: 30s }`);
    }
  }
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, lines.join('\n') + '\n');
  const control = (name: string) => join(dir, 'control', name);
  return {
    dir,
    file,
    holdStep: (id, seconds, attempt = 1) => writeFileSync(control(`${id}.sleep.${attempt}`), String(seconds)),
    failStep: (id) => writeFileSync(control(`${id}.fail`), ''),
    clearControls: () => {
      rmSync(join(dir, 'control'), { recursive: true, force: true });
      mkdirSync(join(dir, 'control'));
    },
    events: (runId) => readEvents(join(dir, 'events.log')).filter((e) => runId === undefined || e.runId === runId),
  };
}

function readEvents(file: string): StepEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [kind, service, step, phase, attempt, node, netns, key, runId] = line.split(' ');
      return { kind, service, step, phase, attempt: Number(attempt), node, netns, key, runId } as StepEvent;
    });
}

/** Appends a marker line (for humans reading events.log after a failure). */
export function markEvents(plan: MigrationPlan, text: string): void {
  appendFileSync(join(plan.dir, 'events.log'), `# ${text}\n`);
}

/** Copies the run's events.log to test-artifacts/cluster/<name>-events.log, for reading after a failure. */
export function keepEvents(plan: MigrationPlan, name: string): void {
  const from = join(plan.dir, 'events.log');
  if (!existsSync(from)) return;
  const to = join(__dirname, '..', '..', 'test-artifacts', 'cluster');
  mkdirSync(to, { recursive: true });
  copyFileSync(from, join(to, `${name}-events.log`));
}
