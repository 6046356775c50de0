/**
 * `npm run bench [-- --quick]`: synthetic plans on an embedded dev server with every worker in
 * this process; prints a table, the targets met or not, and — last — one JSON line.
 * Exit 0 when every run completed, whatever the numbers; 1 when a run failed or errored; 2 on bad flags.
 */
import type { NormalizedPlan } from '../plan/types';
import { createLogger } from '../workers/logger';
import { installRuntimeLogger } from '../workers/runtime';
import { USAGE, UsageError, parseBenchArgs, type BenchArgs } from './args';
import { startBenchCluster, type BenchCluster } from './bench-cluster';
import { mirrorsFloor } from './floor';
import { readMemory } from './proc-stats';
import { formatBreakdown, formatTable, summary } from './report';
import { runScenario, type ScenarioResult } from './run-scenario';
import { TARGET_ROLES, scenarios } from './scenarios';
import { formatSimulateCost, measureSimulate, type SimulateCost } from './simulate-cost';
import { sequentialBaseline, type BaselineResult } from './shell-baseline';
import { checkTargets, formatTargets } from './targets';

/** In --quick, the sequential loop of 1-second steps runs this many and extrapolates (each is `sleep 1`). */
const QUICK_SLEEP_SAMPLE = 3;

const note = (message: string) => process.stderr.write(`[bench] ${message}\n`);

function emit(line: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${line}\n`, () => resolve()));
}

async function bench(args: BenchArgs): Promise<number> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: false });
  const runtime = installRuntimeLogger(logger);
  const list = args.custom ? [args.custom] : scenarios(args.quick).filter((s) => !args.only || args.only.includes(s.id));
  const results: ScenarioResult[] = [];
  let error: string | undefined;
  let cluster: BenchCluster | undefined;
  let serverPeakRssMb: number | undefined;
  let launcherPeakRssMb: number | undefined;
  let simulateCost: SimulateCost | undefined;
  const baselines = new Map<string, Promise<BaselineResult>>();
  const baseline = (plan: NormalizedPlan) => {
    const sleeps = plan.services.some((s) => s.steps.some((step) => step.kind === 'run' && 'argv' in step.run && step.run.argv[0] === 'sleep'));
    if (!baselines.has(plan.name)) baselines.set(plan.name, sequentialBaseline(plan, args.quick && sleeps ? QUICK_SLEEP_SAMPLE : Infinity));
    return baselines.get(plan.name)!;
  };
  const started = Date.now();
  // Ctrl-C: stop the server and workers (bench-cluster's exit hook), say so on the last line.
  const interrupted = (signal: NodeJS.Signals) => {
    process.stdout.write(`${JSON.stringify({ ok: false, error: `interrupted by ${signal}` })}\n`, () => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    note(`starting the dev server and workers (${args.quick ? 'quick' : 'full'} run, ${list.length} plans, ${args.signed ? 'signed' : 'unsigned'})`);
    cluster = await startBenchCluster({ logger, serverArgs: args.serverArgs, floor: list.some(mirrorsFloor), signed: args.signed });
    note(`ready: server ${cluster.timings.serverStartMs} ms, bundle ${cluster.timings.bundleMs} ms, workers ${cluster.timings.workersStartMs} ms`);
    for (const scenario of list) {
      const t = Date.now();
      const result = await runScenario(cluster, scenario, baseline, args.timeoutMs);
      results.push(result);
      note(`${scenario.id}: ${result.state}, makespan ${(result.makespanMs / 1000).toFixed(2)} s (${((Date.now() - t) / 1000).toFixed(1)} s with its baseline and history reads)`);
      if (result.state !== 'succeeded') {
        error = `${scenario.id} ended ${result.state}`;
        break;
      }
    }
    // `maestro simulate` of the 100-service plan just run, against that real run.
    const real = results.find((r) => r.scenario.id === TARGET_ROLES.overhead);
    if (real && error === undefined) {
      simulateCost = await measureSimulate(real, cluster.server.address, cluster.workdir);
      note(`simulate ${real.scenario.id}: ${(simulateCost.wallMs / 1000).toFixed(2)} s`);
    }
  } catch (err) {
    error = (err as Error).message;
    note(`error: ${error}`);
  } finally {
    if (cluster?.server.process.pid) serverPeakRssMb = readMemory(cluster.server.process.pid).peakMb;
    if (cluster?.launcherPid) launcherPeakRssMb = readMemory(cluster.launcherPid).peakMb;
    await cluster?.close().catch((err: Error) => note(`cleanup: ${err.message}`));
    await runtime.shutdown().catch(() => undefined);
  }
  const targets = checkTargets(results);
  if (results.length) {
    await emit(formatTable(results));
    await emit(`\nWhere the per-step overhead goes:\n${formatBreakdown(results)}`);
    if (simulateCost) await emit(`\nmaestro simulate of the 100-service plan (durations learned from this bench's runs of it):\n${formatSimulateCost(simulateCost)}`);
    await emit(`\nTargets (${args.quick ? 'quick run: smaller plans' : 'full run'}, ${Math.round((Date.now() - started) / 1000)} s in all):\n${formatTargets(targets)}\n`);
  }
  const json = summary({
    quick: args.quick,
    signed: args.signed,
    results,
    targets,
    peakRssMb: readMemory('self').peakMb,
    serverPeakRssMb,
    launcherPeakRssMb,
    serverArgs: args.serverArgs,
    tuning: cluster?.tuning,
    setup: cluster?.timings,
    error,
  });
  if (simulateCost) json.simulate = simulateCost;
  await emit(JSON.stringify(json));
  return error === undefined ? 0 : 1;
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    await emit(JSON.stringify({ ok: false, error: (err as Error).message }));
    return 2;
  }
  if (args.help) {
    await emit(USAGE);
    return 0;
  }
  return bench(args);
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, error: err.message })}\n`, () => process.exit(1));
  },
);
