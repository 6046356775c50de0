import type { CliRunner } from '../mcp/tools';

export interface McpCommandOptions {
  runCli: CliRunner;
  /** The connection flags `maestro mcp` was given, passed on to every command a tool runs. */
  connectionArgs: string[];
  /** Only the reading tools: validate, plan, graph, simulate, status, list, report. */
  readOnly?: boolean;
}

/** `maestro mcp`: an MCP server on stdio for AI agents; it never approves anything. */
export async function mcpCommand(options: McpCommandOptions): Promise<void> {
  // Loaded lazily: only this command needs the MCP SDK.
  const { serveMcpOverStdio } = await import('../mcp/server');
  await serveMcpOverStdio({ runCli: options.runCli, connectionArgs: options.connectionArgs, readOnly: Boolean(options.readOnly) });
}
