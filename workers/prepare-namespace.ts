import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { searchAttributeDeclarations } from '../workflows/search-attributes';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;
type OperatorService = temporal.api.operatorservice.v1.OperatorService;

/** What preparing needs of a connection: the client's `Connection` and the workers' `NativeConnection` both have it. */
export interface TemporalServices {
  workflowService: WorkflowService;
  operatorService: OperatorService;
}

export interface PrepareOptions {
  namespace: string;
  /** Register the namespace when the server does not know it. Default false: an unknown namespace is an error. */
  createNamespace?: boolean;
  /** Retention of closed runs in a namespace created here. Default 30 days. */
  retentionDays?: number;
  /** How long to wait for a new namespace and the search attributes to become usable. Default 30 s. */
  timeoutMs?: number;
}

export interface PrepareResult {
  namespace: string;
  /** The namespace was registered here. */
  createdNamespace: boolean;
  /** Search attributes registered here. */
  added: string[];
  /** Search attributes that were registered already. */
  present: string[];
}

/** Why a namespace could not be prepared; the CLI maps each kind to an exit code and a hint. */
export const PREPARE_FAILURES = ['namespace-not-found', 'permission-denied', 'type-conflict', 'not-visible'] as const;
export type PrepareFailureKind = (typeof PREPARE_FAILURES)[number];

export class PrepareError extends Error {
  constructor(
    readonly kind: PrepareFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'PrepareError';
  }
}

/** gRPC status codes (the SDK's errors carry them as `code`). */
export const GRPC = { invalidArgument: 3, notFound: 5, alreadyExists: 6, permissionDenied: 7, unimplemented: 12, unavailable: 14, unauthenticated: 16 } as const;

export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const POLL_MS = 200;
const SEVENTY_TWO_HOURS_S = 72 * 3600;

/**
 * Makes a namespace ready for Maestro runs: the namespace exists (registered when asked to), and
 * Maestro's search attributes are registered through the OperatorService and usable in
 * visibility queries. Idempotent: a prepared namespace is left as it is.
 */
export async function prepareNamespace(services: TemporalServices, options: PrepareOptions): Promise<PrepareResult> {
  const { namespace } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let createdNamespace = false;
  if (!(await namespaceExists(services, namespace))) {
    if (!options.createNamespace) {
      throw new PrepareError('namespace-not-found', `namespace "${namespace}" does not exist on this server`);
    }
    await guardPermission(`register namespace "${namespace}"`, () =>
      services.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(Math.max(SEVENTY_TWO_HOURS_S, (options.retentionDays ?? 30) * 86_400) * 1000),
      }),
    ).catch((err: unknown) => {
      if (grpcCode(err) !== GRPC.alreadyExists) throw err;
    });
    createdNamespace = true;
    // Registered is not yet served everywhere: the operator service answers NOT_FOUND for a while.
    await until(deadline, `namespace "${namespace}" to become usable`, async () => {
      if (!(await namespaceExists(services, namespace))) return false;
      return registeredAttributes(services, namespace).then(
        () => true,
        (err: unknown) => (grpcCode(err) === GRPC.notFound ? false : Promise.reject(err)),
      );
    });
  }

  const wanted = wantedAttributes();
  const existing = await registeredAttributes(services, namespace);
  const conflicts = wanted.filter((a) => existing.has(a.name) && existing.get(a.name) !== a.code);
  if (conflicts.length) {
    throw new PrepareError(
      'type-conflict',
      conflicts.map((a) => `search attribute ${a.name} is registered with type ${typeName(existing.get(a.name))}, Maestro needs ${a.type}`).join('; '),
    );
  }
  const missing = wanted.filter((a) => !existing.has(a.name));
  if (missing.length) {
    await guardPermission(`register search attributes ${missing.map((a) => a.name).join(', ')} in namespace "${namespace}"`, () =>
      services.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((a) => [a.name, a.code])) }),
    ).catch((err: unknown) => {
      // Another `init` (or orchestrator) got there first.
      if (grpcCode(err) !== GRPC.alreadyExists) throw err;
    });
  }
  await until(deadline, `search attributes ${wanted.map((a) => a.name).join(', ')} to be usable in namespace "${namespace}"`, () =>
    attributesUsable(services, namespace),
  );
  return { namespace, createdNamespace, added: missing.map((a) => a.name), present: wanted.filter((a) => existing.has(a.name)).map((a) => a.name) };
}

/** Whether every Maestro search attribute is registered in `namespace` (false also for an unknown namespace). */
export async function isPrepared(services: TemporalServices, namespace: string): Promise<boolean> {
  if (!(await namespaceExists(services, namespace))) return false;
  const existing = await registeredAttributes(services, namespace);
  return wantedAttributes().every((a) => existing.get(a.name) === a.code);
}

/** Maestro's search attributes with their wire type. */
function wantedAttributes(): Array<{ name: string; type: string; code: number }> {
  return searchAttributeDeclarations().map(({ name, type }) => ({ name, type, code: encodeSearchAttributeIndexedValueType(type) ?? 0 }));
}

function typeName(code: number | undefined): string {
  const name = code === undefined ? undefined : temporal.api.enums.v1.IndexedValueType[code];
  return name ? name.replace(/^INDEXED_VALUE_TYPE_/, '') : String(code);
}

async function namespaceExists(services: TemporalServices, namespace: string): Promise<boolean> {
  try {
    await services.workflowService.describeNamespace({ namespace });
    return true;
  } catch (err) {
    if (grpcCode(err) === GRPC.notFound) return false;
    throw err;
  }
}

async function registeredAttributes(services: TemporalServices, namespace: string): Promise<Map<string, number>> {
  const response = await services.operatorService.listSearchAttributes({ namespace });
  return new Map(Object.entries(response.customAttributes ?? {}).map(([name, type]) => [name, Number(type)]));
}

/** Registered is not yet usable: the frontend caches the mapping. A query naming every attribute tells. */
async function attributesUsable(services: TemporalServices, namespace: string): Promise<boolean> {
  const existing = await registeredAttributes(services, namespace);
  const wanted = wantedAttributes();
  if (!wanted.every((a) => existing.has(a.name))) return false;
  try {
    const query = wanted.map((a) => `${a.name} IS NOT NULL`).join(' AND ');
    await services.workflowService.countWorkflowExecutions({ namespace, query });
    return true;
  } catch (err) {
    if (grpcCode(err) === GRPC.invalidArgument) return false;
    throw err;
  }
}

async function guardPermission<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = grpcCode(err);
    if (code === GRPC.permissionDenied || code === GRPC.unauthenticated || code === GRPC.unimplemented) {
      throw new PrepareError('permission-denied', `this connection may not ${what} (${(err as Error).message})`);
    }
    throw err;
  }
}

async function until(deadline: number, what: string, predicate: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new PrepareError('not-visible', `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
