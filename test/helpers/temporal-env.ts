import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';

/**
 * A real Temporal dev server (the pinned `temporal` CLI) on 127.0.0.1 and a free port, with the
 * project's search attributes registered. The caller tears it down.
 */
export async function startDevServer(options: { extraArgs?: string[] } = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolveTemporalBinary('cli') },
      ip: '127.0.0.1',
      ui: false,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      extraArgs: ['--log-level', 'error', ...(options.extraArgs ?? [])],
    },
  });
}

/** The Java time-skipping test server: timers fire as soon as the workflow is blocked on them. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTemporalBinary('testServer') } },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test file (webpack is the slow part of a worker start). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietBundlerLogger });
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** A unique suffix for task queues and workflow ids, so tests never see each other's work. */
export function uniqueSuffix(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
