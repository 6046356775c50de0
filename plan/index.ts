/** The plan model: parse, validate, normalize; waves, critical path and routing. Pure: safe inside workflows. */
export * from './types';
export { nodeTaskQueue, ORCHESTRATOR_TASK_QUEUE } from './task-queues';
export { parsePlanText, parseClusterText, type ClusterSpec, type ParsePlanOptions, type ParseClusterOptions } from './parse';
export { formatIssue, formatPath, ISSUE_CODES, type IssueCode, type PlanIssue, type PlanResult } from './issues';
export { computeWaves, criticalPath, findCycles, waveNumbers, type GraphService } from './graph';
export { routeServices, matchesRequirements, matchingNodes, preferNodesUp } from './routing';
export { DEFAULT_NODES, PLAN_DEFAULTS, mergeNodes } from './defaults';
export { parseDuration, formatDuration } from './durations';
export { isAbsolutePath, normalizePath, resolvePath, dirnamePath } from './posix-path';
export { summarizePlan, type PlanSummary, type WaveSummary, type ServiceSummary } from './summary';
export { renderGraph, describeGate, GRAPH_FORMATS, type GraphFormat } from './render-graph';
