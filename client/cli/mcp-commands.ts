import type { CommandRegistrar } from './context';
import { connectionArgs, settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { mcpCommand } from '../commands/mcp';

export const registerMcpCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('mcp')
      .description('serve AI agents over MCP (stdio): validate, plan, graph, simulate, run, status, list, report, request-approval; never approves')
      .option('--read-only', 'offer only the tools that read: validate, plan, graph, simulate, status, list, report'),
  ).action((flags: ConnectionFlags & { readOnly?: boolean }) =>
    ctx.execute(async () => {
      // Bad connection settings fail here (exit 2), not inside every tool call.
      settingsFromFlags(flags);
      await mcpCommand({ runCli: ctx.runCli, connectionArgs: connectionArgs(flags), readOnly: flags.readOnly });
    }),
  );
};
