/** Rules that relate services to nodes and gates to waves. */
import { waveNumbers } from './graph';
import { ISSUE_CODES, type UnlocatedIssue } from './issues';
import { asList, asMap, asStrings, type RawMap } from './raw';
import { matchingNodes } from './routing';
import { rawGraph } from './semantic-services';
import { suggestion } from './suggest';
import type { NodeSpec, Requirements } from './types';

export function checkPlacement(services: RawMap, nodes: readonly NodeSpec[]): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const nodeNames = nodes.map((n) => n.name);
  for (const [name, spec] of Object.entries(services)) {
    const service = asMap(spec);
    if (!service) continue;
    const path = ['services', name];
    if (service.node !== undefined && service.requires !== undefined) {
      issues.push({
        path: [...path, 'requires'],
        message: 'the service has both node and requires',
        hint: 'keep one: node pins the service, requires picks among matching nodes',
        code: ISSUE_CODES.nodeAndRequires,
      });
    }
    if (typeof service.node === 'string' && !nodeNames.includes(service.node)) {
      issues.push({ path: [...path, 'node'], message: `unknown node "${service.node}"`, hint: suggestion(service.node, nodeNames, 'node'), code: ISSUE_CODES.unknownNode });
    }
    const requires = readRequirements(service.requires);
    if (requires && matchingNodes(nodes, requires).length === 0) {
      issues.push({
        path: [...path, 'requires'],
        message: `no node matches ${describeRequirements(requires)}`,
        hint: `nodes: ${nodes.map((n) => `${n.name} (${n.os}/${n.arch}: ${n.roles.join(', ') || 'no roles'})`).join('; ')}`,
        code: ISSUE_CODES.unmatchedRequirements,
      });
    }
  }
  return issues;
}

export function checkGates(raw: RawMap, services: RawMap): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const approvals = asMap(raw.approvals);
  const approvers = asStrings(approvals?.approvers);
  const waves = waveNumbers(rawGraph(services));
  const waveCount = waves ? Math.max(0, ...waves.values()) : undefined;
  const seen = new Map<number, number>();
  for (const [i, value] of (asList(approvals?.gates) ?? []).entries()) {
    const gate = asMap(value);
    if (!gate) continue;
    const path = ['approvals', 'gates', i];
    const wave = gate.beforeWave;
    if (typeof wave === 'number' && Number.isInteger(wave) && wave >= 1) {
      if (waveCount !== undefined && wave > waveCount) {
        issues.push({
          path: [...path, 'beforeWave'],
          message: `wave ${wave} does not exist: the plan has ${waveCount} wave${waveCount === 1 ? '' : 's'}`,
          hint: waveCount <= 1 ? 'remove the gate, or give it a per-service approval instead' : `use a wave from 1 to ${waveCount} (\`maestro plan\` shows them)`,
          code: ISSUE_CODES.gateWave,
        });
      }
      const first = seen.get(wave);
      if (first === undefined) seen.set(wave, i);
      else {
        issues.push({
          path: [...path, 'beforeWave'],
          message: `a second gate before wave ${wave} (also gate ${first + 1})`,
          hint: 'keep one gate per wave; use minApprovals to ask for more approvers',
          code: ISSUE_CODES.duplicateGate,
        });
      }
    }
    issues.push(...checkApprovers(gate, path, approvers));
  }
  for (const [name, spec] of Object.entries(services)) {
    const approval = asMap(asMap(spec)?.approval);
    if (approval) issues.push(...checkApprovers(approval, ['services', name, 'approval'], approvers));
  }
  return issues;
}

function checkApprovers(gate: RawMap, path: (string | number)[], approvers: string[]): UnlocatedIssue[] {
  const needed = gate.minApprovals;
  if (typeof needed !== 'number' || approvers.length === 0 || needed <= approvers.length) return [];
  return [
    {
      path: [...path, 'minApprovals'],
      message: `needs ${needed} approvals but only ${approvers.length} approver${approvers.length === 1 ? ' is' : 's are'} allowed`,
      hint: 'lower minApprovals or add names to approvals.approvers',
      code: ISSUE_CODES.approvers,
    },
  ];
}

function readRequirements(value: unknown): Requirements | undefined {
  const map = asMap(value);
  if (!map) return undefined;
  const requires: Requirements = {};
  if (typeof map.os === 'string') requires.os = map.os;
  if (typeof map.arch === 'string') requires.arch = map.arch;
  if (Array.isArray(map.roles)) requires.roles = asStrings(map.roles);
  return requires;
}

function describeRequirements(requires: Requirements): string {
  const parts: string[] = [];
  if (requires.os !== undefined) parts.push(`os ${requires.os}`);
  if (requires.arch !== undefined) parts.push(`arch ${requires.arch}`);
  if (requires.roles?.length) parts.push(`roles [${requires.roles.join(', ')}]`);
  return parts.join(', ');
}
