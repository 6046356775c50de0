import type { MetricCondition, PrometheusCheck } from '../plan/types';
import { deadlineSignal, type Probe } from './probes';

/** Values shown in an observation, at most; the count says how many there were. */
const MAX_VALUES = 5;
const MAX_QUERY_CHARS = 300;
/** Values kept as numbers for status --json, at most. */
const MAX_STRUCTURED_VALUES = 20;

function meets(value: number, c: MetricCondition): boolean {
  switch (c.op) {
    case '<':
      return value < c.value;
    case '<=':
      return value <= c.value;
    case '>':
      return value > c.value;
    case '>=':
      return value >= c.value;
    case '==':
      return value === c.value;
    case '!=':
      return value !== c.value;
  }
}

function conditionText(condition: PrometheusCheck['prometheus']['condition']): string {
  return 'success' in condition ? `success when every value ${condition.success.op} ${condition.success.value}` : `bad when any value ${condition.failure.op} ${condition.failure.value}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * One instant query. Good or bad by the condition; an empty result or a query error is
 * `inconclusive` — never good (an analysis whose every measurement errored must not pass).
 * The observation carries the query as sent and the values it returned.
 */
export async function probePrometheus(spec: PrometheusCheck['prometheus'], timeoutMs: number, cancel: AbortSignal): Promise<Probe> {
  const query = `${clip(spec.query, MAX_QUERY_CHARS)}`;
  const url = new URL('api/v1/query', spec.url.endsWith('/') ? spec.url : `${spec.url}/`);
  url.searchParams.set('query', spec.query);
  let samples: Sample[];
  // Not AbortSignal.any with AbortSignal.timeout: see deadlineSignal.
  const deadline = deadlineSignal(cancel, timeoutMs);
  try {
    const response = await fetch(url, { signal: deadline.signal });
    const body = (await response.json().catch(() => ({}))) as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
    if (body.status !== 'success') {
      return { ok: false, inconclusive: true, observation: `query ${query}: error: ${clip(body.error ?? `HTTP ${response.status}`, 300)} (inconclusive)` };
    }
    const { resultType, result } = body.data ?? {};
    if (resultType === 'scalar') samples = [{ metric: {}, value: result as [number, string] }];
    else if (resultType === 'vector') samples = result as Sample[];
    else return { ok: false, inconclusive: true, observation: `query ${query}: a ${resultType} result; expected an instant vector or scalar (inconclusive)` };
  } catch (err) {
    if (cancel.aborted) throw err;
    const timedOut = (err as Error).name === 'TimeoutError';
    return { ok: false, inconclusive: true, timedOut, observation: `query ${query}: ${timedOut ? `no answer within ${timeoutMs}ms` : (err as Error).message} (inconclusive)` };
  } finally {
    deadline.done();
  }
  const values = samples.map((s) => Number(s.value[1])).filter((v) => !Number.isNaN(v));
  if (values.length === 0) return { ok: false, inconclusive: true, observation: `query ${query}: empty result (inconclusive)` };
  const { condition } = spec;
  const ok = 'success' in condition ? values.every((v) => meets(v, condition.success)) : !values.some((v) => meets(v, condition.failure));
  const shown = values.slice(0, MAX_VALUES).map((v) => String(Number(v.toPrecision(6))));
  const more = values.length > MAX_VALUES ? ` … ${values.length} values` : '';
  return { ok, observation: `query ${query} = [${shown.join(', ')}${more}]: ${ok ? 'good' : 'bad'} (${conditionText(condition)})`, values: values.slice(0, MAX_STRUCTURED_VALUES) };
}
