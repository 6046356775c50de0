import type { RunProgress } from './progress';

/**
 * The final record a run ends with: its last progress, carried in its result (or in the
 * failure's details), so `status`, `report`, `watch` and `run --wait` read a closed run from its
 * close event — one history event — instead of replaying the whole run on a worker to query it.
 */
export interface FinalRecord {
  /** `compact`: output lines dropped and long texts cut, because the whole progress was too large. */
  detail: 'full' | 'compact';
  progress: RunProgress;
}

/**
 * Progress up to this size (JSON characters) is kept whole. Below Temporal's 2 MiB payload
 * limit even uncompressed; above it, the payload codec gzips it, and the compact form keeps
 * what compresses badly (free text) bounded.
 */
export const FULL_RECORD_MAX_CHARS = 512 * 1024;
/** Free text kept per field in a compact record. */
export const COMPACT_TEXT_CHARS = 240;

const cut = (text: string | undefined, max = COMPACT_TEXT_CHARS): string | undefined => (text === undefined || text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The record of a finished run's progress; plain data, computed once as the run ends. */
export function finalRecord(progress: RunProgress): FinalRecord {
  if (JSON.stringify(progress).length <= FULL_RECORD_MAX_CHARS) return { detail: 'full', progress };
  const services: RunProgress['services'] = {};
  for (const [name, s] of Object.entries(progress.services)) {
    services[name] = {
      ...s,
      error: cut(s.error),
      steps: s.steps.map(({ lastLine: _dropped, ...step }) => ({ ...step, error: cut(step.error), undoError: cut(step.undoError) })),
    };
  }
  return {
    detail: 'compact',
    progress: {
      ...progress,
      services,
      failure: cut(progress.failure, 4 * COMPACT_TEXT_CHARS),
      audit: progress.audit.map((e) => ({ ...e, comment: cut(e.comment), reason: cut(e.reason) })),
      gates: progress.gates.map((g) => ({ ...g, reason: cut(g.reason), approvals: g.approvals.map((a) => ({ ...a, comment: cut(a.comment) })) })),
      rollbackFailures: progress.rollbackFailures.map((f) => ({ ...f, error: cut(f.error) ?? '' })),
    },
  };
}
