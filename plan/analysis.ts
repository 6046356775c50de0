/**
 * Background checks (`services.<name>.analysis`): the decisions the deployment takes about them,
 * as pure functions so the workflow only wires them.
 */
import type { AnalysisEnd, BackgroundCheck, InconclusiveAction, OnFailure } from './types';

/** `running` until it passes (its window elapsed), fails, cannot tell, or the run ends (`stopped`) or a person skips it. */
export const ANALYSIS_STATES = ['running', 'passed', 'failed', 'inconclusive', 'stopped', 'skipped'] as const;
export type AnalysisState = (typeof ANALYSIS_STATES)[number];

/** How a background check ended badly: `failures` bad probes in a row, or it could not tell. */
export type AnalysisVerdict = { kind: 'failed'; error: string } | { kind: 'inconclusive'; error: string };

/**
 * What the run does when a background check ends badly: `rollback` (stop and undo every
 * completed service, as for a failed step), `decide` (pause for `maestro decide`) or `record`
 * (the run goes on and ends failed). An inconclusive check under `inconclusive: pause` asks a
 * person whatever onFailure says, as a step's check does.
 */
export function analysisAction(verdict: AnalysisVerdict, inconclusive: InconclusiveAction | undefined, onFailure: OnFailure): 'rollback' | 'decide' | 'record' {
  if (verdict.kind === 'inconclusive' && inconclusive === 'pause') return 'decide';
  switch (onFailure) {
    case 'rollback':
      return 'rollback';
    case 'pause':
      return 'decide';
    case 'continue':
      return 'record';
  }
}

/** When a background check started at `startMs` ends by itself; undefined when it ends with the run. */
export function analysisEndsAt(startMs: number, until: AnalysisEnd): number | undefined {
  return until.kind === 'window' ? startMs + until.forMs : undefined;
}

/**
 * Whether the run must wait before it ends: a running check with a window (a bake) holds it;
 * a check without one ends when every service has settled.
 */
export function analysesHoldRun(running: ReadonlyArray<Pick<BackgroundCheck, 'until'>>): boolean {
  return running.some((a) => a.until.kind === 'window');
}

/** `api/error-rate`: how a background check is named in messages, progress and decisions. */
export function analysisLabel(service: string, name: string): string {
  return `${service}/${name}`;
}

/** What a pending decision is about: a service, or one of its background checks. */
export function decisionSubject(pending: { service: string; analysis?: string }): string {
  return pending.analysis === undefined ? pending.service : `background check ${analysisLabel(pending.service, pending.analysis)}`;
}
