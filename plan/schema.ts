/**
 * zod schemas of the plan file (v1) and the cluster file, as written by people.
 * Objects are strict (unknown keys are errors), durations become milliseconds; defaults
 * are applied later by `normalizePlan`, and cross-field rules live in `semantic-*.ts`,
 * so that one pass reports every mistake.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from './durations';
import { ISSUE_CODES } from './issues';
import { LIMITS, STEP_NAME_PATTERN } from './limits';
import { NOTIFY_EVENTS, WEBHOOK_FORMATS } from './notify';
import { INCONCLUSIVE_ACTIONS, ON_FAILURE, ON_TIMEOUT, PLAN_API_VERSION, STRATEGY_MODES } from './types';
import { parseWindow } from './windows';

/** Names of services and nodes: they become parts of workflow ids and task-queue names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const name = z
  .string()
  .max(LIMITS.nameChars, { error: `names have at most ${LIMITS.nameChars} characters` })
  .regex(NAME_PATTERN, { error: 'names use letters, digits, ".", "_" and "-", starting with a letter or digit' });
const stepName = z
  .string()
  .min(1)
  .max(LIMITS.stepNameChars, { error: `step names have at most ${LIMITS.stepNameChars} characters` })
  .regex(STEP_NAME_PATTERN, { error: 'step names are printable text without "/" or "@", not blank, with no leading or trailing spaces' });
const envName = z.string().regex(ENV_NAME_PATTERN, { error: 'environment variable names use letters, digits and "_", not starting with a digit' });

/** A duration of at most `maxMs` (see LIMITS). */
const duration = (maxMs: number = LIMITS.durationMs) =>
  z
    .union([z.string(), z.number()], { error: 'expected a duration like 30s, 5m or 1h30m' })
    .transform((value, ctx) => {
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      if (ms !== undefined && ms > 0 && ms <= maxMs) return ms;
      if (ms !== undefined && ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `duration ${JSON.stringify(value)} is too long: at most ${formatDuration(maxMs)}`, params: { code: ISSUE_CODES.invalidDuration, hint: 'see docs/limits.md' } });
        return z.NEVER;
      }
      const hint =
        typeof value === 'number'
          ? `add a unit: "${value}s" or "${value}ms"`
          : 'write a positive number with a unit (ms, s, m, h, d), largest first: 500ms, 2s, 5m, 24h, 1h30m';
      ctx.addIssue({ code: 'custom', message: `malformed duration ${JSON.stringify(value)}`, params: { code: ISSUE_CODES.invalidDuration, hint } });
      return z.NEVER;
    });
const commandDuration = duration(LIMITS.commandTimeoutMs);

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const text = z.string().max(LIMITS.argumentChars, { error: `at most ${LIMITS.argumentChars} characters` });

/** Argument lists may contain YAML numbers and booleans (`--port, 5432`): they become strings. */
const argument = z.union([text, z.number(), z.boolean()], { error: 'arguments are strings' }).transform(String);

const command = z.union([z.array(argument).min(1).max(LIMITS.listEntries * 10), text.min(1)], {
  error: 'expected a command: a list of arguments ([node, migrate.js]) or a shell string ("docker service update x")',
});

const envValue = z.union([text, z.number(), z.boolean(), z.strictObject({ fromEnv: envName })], {
  error: 'expected a string or { fromEnv: NAME }',
});

const retry = z.strictObject({
  maxAttempts: int(1, LIMITS.maxAttempts).optional(),
  initialInterval: duration().optional(),
  backoff: z.number().min(1).max(LIMITS.backoff).optional(),
});

const metricCondition = z.string().regex(/^\s*(<=|>=|==|!=|<|>)\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/, { error: 'expected a comparison such as "< 0.05" or ">= 1"' });

const prometheusCheck = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected the http(s) URL of a Prometheus server' }),
  query: z.string().min(1).max(10_000),
  successCondition: metricCondition.optional(),
  failureCondition: metricCondition.optional(),
  inconclusive: z.enum(INCONCLUSIVE_ACTIONS).optional(),
});

const check = z.strictObject({
  prometheus: prometheusCheck.optional(),
  http: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  tcp: z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'expected host:port' }).optional(),
  status: int(100, 599).optional(),
  bodyIncludes: z.string().optional(),
  successes: int(1, LIMITS.probes).optional(),
  failures: int(1, LIMITS.probes).optional(),
  interval: commandDuration.optional(),
  timeout: commandDuration.optional(),
});

/**
 * A background check: the probe fields of a check, a name, and `for` (its window). `successes` and
 * `timeout` do not apply: it passes by lasting `for` (or the run) without `failures` bad probes in a row.
 */
const backgroundCheck = z.strictObject({
  name: stepName,
  for: duration().optional(),
  prometheus: prometheusCheck.optional(),
  http: check.shape.http,
  tcp: check.shape.tcp,
  status: check.shape.status,
  bodyIncludes: check.shape.bodyIncludes,
  failures: check.shape.failures,
  interval: check.shape.interval,
});

const step = z.strictObject({
  name: stepName,
  run: command.optional(),
  undo: command.optional(),
  check: check.optional(),
  wait: duration().optional(),
  timeout: commandDuration.optional(),
  retry: retry.optional(),
  env: z.record(envName, envValue).optional(),
  cwd: z.string().min(1).optional(),
  estimate: duration().optional(),
});

const requirements = z.strictObject({
  os: z.string().optional(),
  arch: z.string().optional(),
  roles: z.array(z.string()).optional(),
});

const approval = z.strictObject({
  timeout: duration().optional(),
  onTimeout: z.enum(ON_TIMEOUT).optional(),
  minApprovals: int(1, LIMITS.listEntries).optional(),
});

const gate = approval.extend({ beforeWave: int(1, LIMITS.services) });

const service = z.strictObject({
  dependsOn: z.array(z.string()).optional(),
  node: z.string().optional(),
  requires: requirements.optional(),
  // Optional here so a missing or empty list gets one clear "has no steps" issue (semantic check).
  steps: z.array(step).max(LIMITS.stepsPerService, { error: `a service has at most ${LIMITS.stepsPerService} steps` }).nullish(),
  approval: approval.optional(),
  analysis: z.array(backgroundCheck).min(1).max(LIMITS.listEntries).optional(),
});

const node = z.strictObject({
  os: z.string().min(1),
  arch: z.string().min(1),
  roles: z.array(z.string()).optional(),
});

export const nodesSchema = z.record(name, node);

const WEBHOOK_ERROR = 'expected an http(s) URL or { fromEnv: NAME } (a Slack webhook URL is a secret: keep it in the environment)';
const webhook = z.strictObject({
  webhook: z.union([z.url({ protocol: /^https?$/, error: WEBHOOK_ERROR }), z.strictObject({ fromEnv: envName })], { error: WEBHOOK_ERROR }),
  format: z.enum(WEBHOOK_FORMATS).optional(),
  on: z.array(z.enum(NOTIFY_EVENTS)).min(1).max(NOTIFY_EVENTS.length).optional(),
});

/** `notify:` — in the plan and in the cluster file. */
const notify = z.strictObject({
  webhooks: z.array(webhook).min(1).max(LIMITS.listEntries),
  giveUpAfter: duration().optional(),
});
/** `Mon-Fri 09:00-16:00 Europe/Paris`: when new waves may start. */
const deployWindow = z.string({ error: 'expected a window like "Mon-Fri 09:00-16:00 Europe/Paris"' }).transform((value, ctx) => {
  const parsed = parseWindow(value);
  if (parsed.ok) return parsed.window;
  ctx.addIssue({ code: 'custom', message: parsed.message, params: { code: ISSUE_CODES.invalidWindow, hint: parsed.hint } });
  return z.NEVER;
});

const instant = z.iso.datetime({ offset: true, error: 'expected a date and time with its offset, e.g. 2026-12-20T00:00:00+01:00' }).transform((v) => Date.parse(v));

/** An absolute range in which no new wave starts without an override. */
const freeze = z
  .strictObject({ from: instant, to: instant, reason: z.string().min(1, { error: 'a freeze needs a reason' }).max(500) })
  .superRefine((f, ctx) => {
    if (f.to <= f.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'the freeze ends before it starts', params: { code: ISSUE_CODES.invalidWindow } });
  })
  .transform((f) => ({ fromMs: f.from, toMs: f.to, reason: f.reason }));

const scheduleFields = { windows: z.array(deployWindow).max(LIMITS.listEntries).optional(), freezes: z.array(freeze).max(LIMITS.listEntries).optional() };

export const planSchema = z.strictObject({
  apiVersion: z.literal(PLAN_API_VERSION),
  name,
  workdir: z.string().min(1).optional(),
  nodes: nodesSchema.optional(),
  strategy: z
    .strictObject({
      mode: z.enum(STRATEGY_MODES).optional(),
      // Capped to LIMITS.maxParallel by normalizePlan rather than refused: more is never wrong, only not faster.
      maxParallel: int(1, Number.MAX_SAFE_INTEGER).optional(),
      onFailure: z.enum(ON_FAILURE).optional(),
      nodeTimeout: duration().optional(),
    })
    .optional(),
  defaults: z.strictObject({ timeout: commandDuration.optional(), retry: retry.optional() }).optional(),
  approvals: z
    .strictObject({
      approvers: z.array(z.string().min(1).max(200)).max(LIMITS.listEntries).optional(),
      allowSelfApproval: z.boolean().optional(),
      gates: z.array(gate).max(LIMITS.listEntries).optional(),
    })
    .optional(),
  notify: notify.optional(),
  ...scheduleFields,
  services: z.record(name, service).refine((services) => Object.keys(services).length <= LIMITS.services, { error: `a plan has at most ${LIMITS.services} services` }),
});

export const clusterSchema = z.strictObject({
  apiVersion: z.literal(PLAN_API_VERSION).optional(),
  nodes: nodesSchema,
  notify: notify.optional(),
  ...scheduleFields,
});

/** A plan as written, durations in milliseconds, nothing defaulted. */
export type PlanInput = z.output<typeof planSchema>;
export type StepInput = z.output<typeof step>;
export type ServiceInput = z.output<typeof service>;
export type BackgroundCheckInput = z.output<typeof backgroundCheck>;
export type NodesInput = z.output<typeof nodesSchema>;
export type NotifyInput = z.output<typeof notify>;
