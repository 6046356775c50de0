import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { ConnectionSettings } from '../../connection/settings';
import type { DeploymentInput } from '../../workflows/run-book';
import { withClient } from '../connection';
import { InvalidInputError, RefusedError } from '../errors';
import { loadTrust, trustPath } from '../identity';
import type { Output } from '../output';
import { renderTable, shortTime } from '../render/table';
import { existingRun } from '../run/handle';
import { answerMessage, isAnswerName, verifyRunSignatures, type SignedMessage, type VerifiedSignature } from '../run/signatures';

export interface VerifyOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** The trust file (allowed_signers) to check against. Default: MAESTRO_TRUST, else the local one. */
  trust?: string;
  json?: boolean;
}

export interface VerifyReport {
  runId: string;
  trustFile: string;
  ok: boolean;
  signatures: VerifiedSignature[];
}

/** The run's input and every answer (update accepted, signal received) in its history, decoded. */
async function readSignedHistory(client: Client, runId: string): Promise<{ input: DeploymentInput; answers: SignedMessage[] }> {
  const converter = client.options.loadedDataConverter;
  const history = await client.workflow.getHandle(runId).fetchHistory();
  const events = history.events ?? [];
  const [input] = (await decodeArrayFromPayloads(converter, events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads)) as [DeploymentInput | undefined];
  if (!input?.plan) throw new InvalidInputError(`run "${runId}" has no Maestro run input in its history`);
  const answers: SignedMessage[] = [];
  for (const event of events) {
    const eventId = Number(event.eventId ?? 0);
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    const signal = event.workflowExecutionSignaledEventAttributes;
    const [name, payloads, via] = update ? [update.name, update.args?.payloads, 'update' as const] : signal ? [signal.signalName, signal.input?.payloads, 'signal' as const] : [undefined, undefined, undefined];
    if (!via || !isAnswerName(name)) continue;
    const [payload] = await decodeArrayFromPayloads(converter, payloads).catch(() => [undefined]);
    const message = answerMessage(name, payload, via, eventId, input);
    if (message) answers.push(message);
  }
  return { input, answers };
}

/**
 * `maestro verify <run id>`: re-checks the plan signature and every signed answer in the run's
 * history against a trust file; prints a table (or JSON). Exit 0 when every one is ok, 3 when any
 * is not (a bad signature, an unknown, revoked or wrongly-namespaced key, an unsigned plan).
 * Unsigned answers are listed (a run that takes signed answers refused them) but do not fail it.
 */
export async function verifyCommand(options: VerifyOptions): Promise<void> {
  const file = trustPath(options.trust);
  if (!file) throw new InvalidInputError('verify needs a trust file', 'Pass --trust FILE (OpenSSH allowed_signers) or set MAESTRO_TRUST.');
  const trust = loadTrust(file);
  const report = await withClient(options.connection, async (client): Promise<VerifyReport> => {
    await existingRun(client, options.runId);
    const { input, answers } = await readSignedHistory(client, options.runId);
    const signatures = verifyRunSignatures(options.runId, input, answers, trust);
    return { runId: options.runId, trustFile: file, ok: signatures.every(counts), signatures };
  });
  if (options.json) options.output.out(JSON.stringify(report, null, 2));
  else {
    const rows = report.signatures.map((s) => [s.what, s.via, s.signer || '-', s.fingerprint || '-', s.namespace || '-', shortTime(s.signedAt) || '-', s.result + (s.detail ? `: ${s.detail}` : '')]);
    options.output.out(renderTable(['WHAT', 'VIA', 'SIGNER', 'KEY', 'NAMESPACE', 'SIGNED', 'RESULT'], rows));
  }
  const failed = report.signatures.filter((s) => !counts(s));
  if (failed.length) {
    throw new RefusedError(`${failed.length} of ${report.signatures.length} signatures of run ${options.runId} do not verify against ${file}: ${failed.map((s) => `${s.what} ${s.result}`).join(', ')}`);
  }
}

/** What decides the exit code: every signature ok; an unsigned answer is not a signature (the run decided about it). */
const counts = (s: VerifiedSignature): boolean => s.result === 'ok' || (s.result === 'unsigned' && s.what !== 'plan');
