import { resolveDeps, type ActivityDeps } from './options';
import { createRunBackgroundCheck } from './background-check';
import { createRunCheck } from './run-check';
import { createRunCommand } from './run-command';

export { FAILURE_TYPES, type FailureType } from './failure-types';
export type { ActivityDeps } from './options';
export type { TailLimits } from './output-tail';
export type {
  BackgroundCheckHeartbeat,
  BackgroundCheckResult,
  RunBackgroundCheckInput,
  CheckResult,
  CommandFailedDetails,
  CommandTimedOutDetails,
  RunCheckHeartbeat,
  RunCheckInput,
  RunCommandHeartbeat,
  RunCommandInput,
  RunCommandResult,
  StepContext,
} from './types';

/**
 * The step activities of a node worker. Workflows use the type only:
 * `proxyActivities<ReturnType<typeof createActivities>>(...)`.
 */
export function createActivities(deps: ActivityDeps) {
  const resolved = resolveDeps(deps);
  return {
    runCommand: createRunCommand(resolved),
    runCheck: createRunCheck(resolved),
    runBackgroundCheck: createRunBackgroundCheck(resolved),
  };
}

export type MaestroActivities = ReturnType<typeof createActivities>;
