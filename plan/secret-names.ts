/**
 * Names of every worker environment variable a plan reads with `fromEnv`, sorted. A worker
 * redacts the values of all of them from every step's output, not only from the step that
 * declares one: any step of the run may print `$NEON_URL` (activities/secrets.ts).
 *
 * Typed by shape, not by the plan's step union, so it reads any step kind: only steps with an
 * `env` map contribute.
 */
export function secretEnvNames(plan: { services: ReadonlyArray<{ steps: readonly unknown[] }> }): string[] {
  const names = new Set<string>();
  for (const service of plan.services) {
    for (const step of service.steps) {
      const env = (step as { env?: Record<string, unknown> }).env;
      for (const value of Object.values(env ?? {})) {
        const from = (value as { fromEnv?: unknown } | null)?.fromEnv;
        if (typeof from === 'string') names.add(from);
      }
    }
  }
  return [...names].sort();
}
