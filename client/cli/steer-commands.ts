import { userInfo } from 'node:os';
import { DECISIONS, type Decision } from '../../plan/messages';
import { abortCommand } from '../commands/abort';
import { approveCommand } from '../commands/approve';
import { decideCommand } from '../commands/decide';
import { pauseCommand, resumeCommand } from '../commands/pause';
import { rejectCommand } from '../commands/reject';
import { InvalidInputError } from '../errors';
import type { CommandRegistrar } from './context';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { intFlag } from './flags';

interface SteerFlags extends ConnectionFlags {
  as?: string;
  key?: string;
  wave?: string;
  service?: string;
  comment?: string;
  reason?: string;
  json?: boolean;
  rollback?: boolean;
}

const waveNumber = (value: string | undefined) => (value === undefined ? undefined : intFlag('--wave', value));

const operator = (flags: SteerFlags) => flags.as ?? userInfo().username;

/** approve, reject, decide, pause, resume, abort: an operator's hands on a run. */
export const registerSteerCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('approve')
      .description('approve an open gate (refused with the reason, exit 3, if it does not apply)')
      .argument('<id>', 'run id')
      .option('--as <name>', 'who approves (checked against the plan approvers; a signed run takes the name from the key, and --as must match it)')
      .option('--key <path>', 'ed25519 key that signs the answer (default: MAESTRO_KEY, else the local key)')
      .option('--wave <n>', 'the wave whose gate to answer (default: the only open gate)')
      .option('--service <name>', 'the service whose gate to answer')
      .option('--comment <text>', 'kept in the audit trail')
      .option('--freeze', 'override the freeze holding the run (needs --reason), instead of answering a gate')
      .option('--reason <text>', 'why the freeze is overridden; kept in the audit trail')
      .option('--json', 'print the gate as JSON'),
  ).action((runId: string, flags: SteerFlags & { freeze?: boolean }) =>
    ctx.execute(() =>
      approveCommand({
        output: ctx.output,
        connection: settingsFromFlags(flags),
        runId,
        as: flags.as,
        key: flags.key,
        wave: waveNumber(flags.wave),
        service: flags.service,
        comment: flags.comment,
        freeze: flags.freeze,
        reason: flags.reason,
        json: flags.json,
      }),
    ),
  );

  withConnectionFlags(
    program
      .command('reject')
      .description("reject an open gate; the plan's onFailure applies")
      .argument('<id>', 'run id')
      .option('--as <name>', 'who rejects (default: the signing key\'s name)')
      .option('--key <path>', 'ed25519 key that signs the answer')
      .requiredOption('--reason <text>', 'why (kept in the audit trail)')
      .option('--wave <n>', 'the wave whose gate to answer')
      .option('--service <name>', 'the service whose gate to answer')
      .option('--json', 'print the gate as JSON'),
  ).action((runId: string, flags: SteerFlags) =>
    ctx.execute(() =>
      rejectCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, as: flags.as, key: flags.key, reason: flags.reason!, wave: waveNumber(flags.wave), service: flags.service, json: flags.json }),
    ),
  );

  withConnectionFlags(
    program
      .command('decide')
      .description('decide about the failed service a paused run waits on: retry, skip, rollback or abort')
      .argument('<id>', 'run id')
      .argument('<action>', DECISIONS.join('|'))
      .option('--as <name>', 'who decides (default: the signing key\'s name)')
      .option('--key <path>', 'ed25519 key that signs the answer')
      .option('--comment <text>', 'kept in the audit trail')
      .option('--json', 'print JSON'),
  ).action((runId: string, action: string, flags: SteerFlags) =>
    ctx.execute(async () => {
      if (!DECISIONS.includes(action as Decision)) throw new InvalidInputError(`unknown decision "${action}"`, `Use one of: ${DECISIONS.join(', ')}.`);
      await decideCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, action: action as Decision, as: flags.as, key: flags.key, comment: flags.comment, json: flags.json });
    }),
  );

  for (const [name, fn, what] of [
    ['pause', pauseCommand, 'no new step starts; running steps finish'],
    ['resume', resumeCommand, 'start steps again after a pause'],
  ] as const) {
    withConnectionFlags(program.command(name).description(what).argument('<id>', 'run id').option('--as <name>', 'recorded in the audit trail').option('--json', 'print JSON')).action(
      (runId: string, flags: SteerFlags) => ctx.execute(() => fn({ output: ctx.output, connection: settingsFromFlags(flags), runId, as: operator(flags), json: flags.json })),
    );
  }

  withConnectionFlags(
    program
      .command('abort')
      .description('stop the run: in-flight services undo themselves, then every succeeded one is undone')
      .argument('<id>', 'run id')
      .option('--no-rollback', 'leave succeeded services as they are')
      .option('--as <name>', 'recorded in the audit trail (a signed run takes the name from the key, and --as must match it)')
      .option('--key <path>', 'ed25519 key that signs the abort (default: MAESTRO_KEY, else the local key)')
      .option('--reason <text>', 'recorded in the audit trail')
      .option('--json', 'print JSON'),
  ).action((runId: string, flags: SteerFlags) =>
    ctx.execute(() =>
      abortCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, rollback: flags.rollback !== false, as: flags.as, key: flags.key, reason: flags.reason, json: flags.json }),
    ),
  );
};
