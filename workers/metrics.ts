import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Maestro's own Prometheus metrics, one registry per process. The SDK's metrics (Core's runtime
 * telemetry) are served beside them by metrics-server.ts; names here all start with `maestro_`.
 */
export interface MaestroMetrics {
  registry: Registry;
  stepsStarted: Counter<'node' | 'service' | 'phase'>;
  stepsSucceeded: Counter<'node' | 'service'>;
  stepsFailed: Counter<'node' | 'service' | 'phase'>;
  stepsUndone: Counter<'node' | 'service'>;
  stepDuration: Histogram<'node' | 'service' | 'phase' | 'outcome'>;
  gatesOpen: Gauge;
  runs: Gauge<'state'>;
  launcherUp: Gauge;
  launcherExits: Gauge;
}

export function createMaestroMetrics(): MaestroMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    stepsStarted: new Counter({ name: 'maestro_steps_started_total', help: 'Step activities started on this worker (phase do: the step, undo: its undo)', labelNames: ['node', 'service', 'phase'], registers }),
    stepsSucceeded: new Counter({ name: 'maestro_steps_succeeded_total', help: 'Steps that succeeded on this worker', labelNames: ['node', 'service'], registers }),
    stepsFailed: new Counter({ name: 'maestro_steps_failed_total', help: 'Step or undo attempts that failed on this worker', labelNames: ['node', 'service', 'phase'], registers }),
    stepsUndone: new Counter({ name: 'maestro_steps_undone_total', help: 'Steps undone on this worker', labelNames: ['node', 'service'], registers }),
    stepDuration: new Histogram({
      name: 'maestro_step_duration_seconds',
      help: 'Duration of step and undo attempts on this worker',
      labelNames: ['node', 'service', 'phase', 'outcome'],
      buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    }),
    gatesOpen: new Gauge({ name: 'maestro_gates_open', help: 'Runs waiting at an approval gate (from Temporal visibility; orchestrator only)', registers }),
    runs: new Gauge({ name: 'maestro_runs', help: 'Runs by state (from Temporal visibility; orchestrator only)', labelNames: ['state'], registers }),
    launcherUp: new Gauge({ name: 'maestro_launcher_up', help: '1 while the command launcher can start commands (idle until the first command); 0 when it died and no command has restarted it', registers }),
    launcherExits: new Gauge({ name: 'maestro_launcher_exits', help: 'Times the command launcher process exited since the worker started', registers }),
  };
}
