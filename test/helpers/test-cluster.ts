import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startCluster, type ClusterOptions, type TestCluster } from './cluster';
import { startDevServer } from './temporal-env';

export interface TestClusterFixture {
  env: TestWorkflowEnvironment;
  cluster: TestCluster;
}

export interface UseTestClusterOptions {
  /** The server to start. Default: a dev server (`startDevServer()`). */
  server?: () => Promise<TestWorkflowEnvironment>;
  cluster?: ClusterOptions;
}

/**
 * One Temporal server and its workers for a whole test file: started before the first test,
 * stopped after the last. `onStarted` hands them to the file (`({ env, cluster } = started)`).
 */
export function useTestCluster(onStarted: (started: TestClusterFixture) => void, options: UseTestClusterOptions = {}): void {
  let env: TestWorkflowEnvironment | undefined;
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    env = await (options.server ?? startDevServer)();
    cluster = await startCluster(env, options.cluster);
    onStarted({ env, cluster });
  }, 120_000);
  afterAll(async () => {
    await cluster?.shutdown();
    await env?.teardown();
  });
}
