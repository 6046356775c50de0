import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { maestroDataConverter } from '../../connection/codec';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { tuningArgs } from '../../workers/dev-server';
import { bundleWorkflows } from '../../workers/orchestrator-worker';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';

/** What tests need of a Temporal server: a TestWorkflowEnvironment, or a server started as a process (see processes.ts). */
export interface TemporalTarget {
  address: string;
  namespace?: string;
  client: Client;
  nativeConnection: NativeConnection;
}

/**
 * A real Temporal dev server (the pinned `temporal` CLI) on 127.0.0.1 and a free port, with the
 * project's search attributes registered. The caller tears it down.
 */
export async function startDevServer(options: { extraArgs?: string[]; dataConverter?: DataConverter } = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    // The client encrypts like the CLI does (MAESTRO_PAYLOAD_KEY), unless told otherwise.
    client: { dataConverter: options.dataConverter ?? maestroDataConverter() },
    server: {
      executable: { type: 'existing-path', path: resolveTemporalBinary('cli') },
      ip: '127.0.0.1',
      ui: false,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      extraArgs: ['--log-level', 'error', ...tuningArgs({ sqlite: false }), ...(options.extraArgs ?? [])],
    },
  });
}

/** The Java time-skipping test server: timers fire as soon as the workflow is blocked on them. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTemporalBinary('testServer') } },
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The workflow bundle, built once per test file and failure converter (webpack is the slow part
 * of a worker start). Default: the failure converter of `MAESTRO_PAYLOAD_KEY`'s data converter.
 */
export function workflowBundle(options: { failureConverterPath?: string } = {}): Promise<WorkflowBundleWithSourceMap> {
  const failureConverterPath = 'failureConverterPath' in options ? options.failureConverterPath : maestroDataConverter().failureConverterPath;
  const key = failureConverterPath ?? '';
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflows({ failureConverterPath });
    bundles.set(key, bundle);
  }
  return bundle;
}

/** A unique suffix for task queues and workflow ids, so tests never see each other's work. */
export function uniqueSuffix(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
