/**
 * Live changes to a running run (`maestro tune`): what may change, and whether a change is
 * possible now. Pure functions of the plan and the run's state; the workflow's update validator
 * and handler both call `decideTune`, so the reason a change is refused is decided in one place.
 */
import { MAX_SERVICES_IN_FLIGHT } from './defaults';
import type { ServiceState } from './states';
import type { TunePayload } from './messages';
import type { NormalizedPlan, Requirements } from './types';

/** What live changes made of the run's settings. Absent fields are the plan's. */
export interface Tuning {
  /** Services in flight at once, instead of the plan's `strategy.maxParallel`. */
  maxParallel?: number;
  /** Nodes no service may start on any more (running services finish where they are). */
  excludedNodes: string[];
  /** The run pauses once every service of waves 1..N has settled; until then no later wave starts. */
  pauseAfterWave?: number;
}

/** One live change. */
export type TuneChange =
  | { kind: 'max-parallel'; value: number }
  | { kind: 'exclude-node'; node: string }
  | { kind: 'include-node'; node: string }
  | { kind: 'pause-after-wave'; wave: number };

/** The one change a payload asks for; a reason when it asks for none or several. */
export function tuneChangeOf(payload: TunePayload): { ok: true; change: TuneChange } | { ok: false; reason: string } {
  const changes: TuneChange[] = [];
  if (payload.maxParallel !== undefined) changes.push({ kind: 'max-parallel', value: payload.maxParallel });
  if (payload.excludeNode !== undefined) changes.push({ kind: 'exclude-node', node: payload.excludeNode });
  if (payload.includeNode !== undefined) changes.push({ kind: 'include-node', node: payload.includeNode });
  if (payload.pauseAfterWave !== undefined) changes.push({ kind: 'pause-after-wave', wave: payload.pauseAfterWave });
  const [change] = changes;
  if (change && changes.length === 1) return { ok: true, change };
  return { ok: false, reason: `a tune changes exactly one of maxParallel, excludeNode, includeNode, pauseAfterWave; got ${changes.length ? changes.map(describeChange).join(', ') : 'none'}` };
}

/** What a signed tune signs: the change as the audit trail names it (`max-parallel 1`); empty when the payload asks for none or several (refused anyway). */
export function tuneTarget(payload: TunePayload): string {
  const asked = tuneChangeOf(payload);
  return asked.ok ? describeChange(asked.change) : '';
}

/** What `decideTune` needs to know of the run. */
export interface TuneRun {
  plan: Pick<NormalizedPlan, 'nodes' | 'services' | 'strategy'>;
  /** The routed nodes of each service (plan/routing.ts), preferred first. */
  routes: Readonly<Record<string, readonly string[]>>;
  services: ReadonlyArray<{ name: string; wave: number; state: ServiceState }>;
  waveCount: number;
  tuning: Tuning;
  /** The service a paused run waits on a decision about: `decide retry` may start it again. */
  pendingDecision?: string;
  /** The run is rolling back or ending: nothing is left to tune. */
  stopping: boolean;
}

export type TuneDecision = { ok: true; tuning: Tuning; summary: string } | { ok: false; reason: string };

/** The label of a change in the audit trail and the CLI: `exclude-node macpro51`. */
export function describeChange(change: TuneChange): string {
  switch (change.kind) {
    case 'max-parallel':
      return `max-parallel ${change.value}`;
    case 'exclude-node':
    case 'include-node':
      return `${change.kind} ${change.node}`;
    case 'pause-after-wave':
      return `pause-after-wave ${change.wave}`;
  }
}

/** A service's routed nodes without the excluded ones, in their order. */
export function withoutExcluded(candidates: readonly string[], excluded: readonly string[]): string[] {
  return excluded.length ? candidates.filter((n) => !excluded.includes(n)) : [...candidates];
}

/** Services that may still start, so must keep a node: not started yet, or a failed one a `decide retry` would start again. */
function notStarted(run: TuneRun): string[] {
  return run.services.filter((s) => s.state === 'pending' || s.state === 'awaiting-approval' || s.name === run.pendingDecision).map((s) => s.name);
}

function whyOnly(run: TuneRun, service: string): string {
  const spec = run.plan.services.find((s) => s.name === service);
  if (spec?.node !== undefined) return `it is pinned to ${spec.node}`;
  const nodes = run.routes[service] ?? [];
  return `it runs only on ${nodes.join(', ')}${spec?.requires ? ` (requires ${requirementText(spec.requires)})` : ''}`;
}

function requirementText(r: Requirements): string {
  return [r.os && `os ${r.os}`, r.arch && `arch ${r.arch}`, r.roles?.length && `roles ${r.roles.join(', ')}`].filter(Boolean).join(', ');
}

/** The effective `maxParallel`: the tuned one, else the plan's. */
export function effectiveMaxParallel(plan: Pick<NormalizedPlan, 'strategy'>, tuning: Tuning | undefined): number {
  return tuning?.maxParallel ?? plan.strategy.maxParallel;
}

/** Is `change` possible now, and what does the tuning become? Never throws. */
export function decideTune(run: TuneRun, change: TuneChange): TuneDecision {
  if (run.stopping) return { ok: false, reason: 'the run is stopping (rolling back or ending): nothing is left to tune' };
  const { tuning } = run;
  switch (change.kind) {
    case 'max-parallel': {
      const { value } = change;
      if (!Number.isInteger(value) || value < 1 || value > MAX_SERVICES_IN_FLIGHT) return { ok: false, reason: `max-parallel must be a whole number from 1 to ${MAX_SERVICES_IN_FLIGHT}, got ${value}` };
      const current = effectiveMaxParallel(run.plan, tuning);
      if (value === current) return { ok: false, reason: `max-parallel is already ${current}: nothing to change` };
      const next = value === run.plan.strategy.maxParallel ? { ...tuning, maxParallel: undefined } : { ...tuning, maxParallel: value };
      return { ok: true, tuning: next, summary: `max-parallel ${current} → ${value}${value < current ? ' (running services finish; no new one starts until fewer than that run)' : ''}` };
    }
    case 'exclude-node': {
      const { node } = change;
      const known = run.plan.nodes.map((n) => n.name);
      if (!known.includes(node)) return { ok: false, reason: `unknown node ${node}: the run's nodes are ${known.join(', ')}` };
      if (tuning.excludedNodes.includes(node)) return { ok: false, reason: `${node} is already excluded` };
      const excluded = [...tuning.excludedNodes, node];
      const stranded = notStarted(run).filter((s) => withoutExcluded(run.routes[s] ?? [], excluded).length === 0);
      if (stranded.length) {
        const shown = stranded.slice(0, 5).map((s) => `${s} (${whyOnly(run, s)})`);
        const more = stranded.length > 5 ? ` and ${stranded.length - 5} more` : '';
        return { ok: false, reason: `excluding ${node} would leave no node for ${shown.join('; ')}${more}` };
      }
      return { ok: true, tuning: { ...tuning, excludedNodes: excluded }, summary: `${node} excluded: services not started yet go to their other nodes; running ones finish where they are` };
    }
    case 'include-node': {
      const { node } = change;
      if (!tuning.excludedNodes.includes(node)) {
        const list = tuning.excludedNodes.length ? `excluded nodes are ${tuning.excludedNodes.join(', ')}` : 'no node is excluded';
        return { ok: false, reason: `${node} is not excluded (${list}): nothing to include` };
      }
      return { ok: true, tuning: { ...tuning, excludedNodes: tuning.excludedNodes.filter((n) => n !== node) }, summary: `${node} included again for services not started yet` };
    }
    case 'pause-after-wave': {
      const { wave } = change;
      if (!Number.isInteger(wave) || wave < 1 || wave > run.waveCount) return { ok: false, reason: `pause-after-wave: the run has waves 1 to ${run.waveCount}, got ${wave}` };
      if (wave === run.waveCount) return { ok: false, reason: `wave ${wave} is the last wave: nothing starts after it` };
      if (tuning.pauseAfterWave === wave) return { ok: false, reason: `the run already pauses after wave ${wave}` };
      const started = run.services.find((s) => s.wave > wave && s.state !== 'pending' && s.state !== 'awaiting-approval');
      if (started) return { ok: false, reason: `too late: ${started.name} of wave ${started.wave} has already started` };
      return { ok: true, tuning: { ...tuning, pauseAfterWave: wave }, summary: `the run pauses once waves 1–${wave} have settled (resume with maestro resume)` };
    }
  }
}

/**
 * Should the run pause now for `pauseAfterWave`: every service of waves 1..N settled and some
 * later one still to start. `undefined` when not (yet); `'drop'` when nothing is left after wave N.
 */
export function pauseAfterWaveDue(tuning: Tuning | undefined, services: ReadonlyArray<{ wave: number; state: ServiceState }>, settled: (s: ServiceState) => boolean): 'pause' | 'drop' | undefined {
  const wave = tuning?.pauseAfterWave;
  if (wave === undefined) return undefined;
  if (services.some((s) => s.wave <= wave && !settled(s.state))) return undefined;
  return services.some((s) => s.wave > wave && !settled(s.state)) ? 'pause' : 'drop';
}

/** One line for status, watch and the Web UI: what live changes made of the run's settings. */
export function tuningLine(tuning: Tuning | undefined): string | undefined {
  if (!tuning) return undefined;
  const parts: string[] = [];
  if (tuning.maxParallel !== undefined) parts.push(`max-parallel ${tuning.maxParallel}`);
  if (tuning.excludedNodes.length) parts.push(`excluded ${tuning.excludedNodes.join(', ')}`);
  if (tuning.pauseAfterWave !== undefined) parts.push(`pauses after wave ${tuning.pauseAfterWave}`);
  return parts.length ? `tuned: ${parts.join('; ')}` : undefined;
}
