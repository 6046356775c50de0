import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { cliForTools, TOOLS, type CliRunner, type ToolDef } from './tools';

export interface McpServerOptions {
  runCli: CliRunner;
  /** Connection flags handed to every command the tools run. */
  connectionArgs: string[];
  /** Offer only the tools that read (no run, no request-approval). */
  readOnly: boolean;
}

/** The MCP server: Maestro's tools over the CLI's own commands. No tool approves, rejects, decides or aborts. */
export function createMaestroMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'cluster-maestro', version: '0.1.0' },
    {
      instructions:
        'Cluster Maestro runs multi-wave deployments on Temporal. Validate and plan before you run; follow a run with status. ' +
        'Gates need a person: use request-approval to ask one, and never expect a tool to approve.',
    },
  );
  const cli = cliForTools(options.runCli, options.connectionArgs);
  for (const def of TOOLS as ToolDef[]) {
    if (options.readOnly && def.access !== 'read') continue;
    server.registerTool(
      def.name,
      {
        description: def.description,
        inputSchema: def.input,
        annotations: { readOnlyHint: def.access === 'read', destructiveHint: false, openWorldHint: false },
      },
      async (args: Record<string, unknown>) => {
        const answer = await def.call(args as never, cli);
        return { content: [{ type: 'text' as const, text: answer.text }], isError: answer.isError };
      },
    );
  }
  return server;
}

/** Serves MCP on stdin/stdout until the client closes it. stdout carries the protocol only. */
export async function serveMcpOverStdio(options: McpServerOptions): Promise<void> {
  const server = createMaestroMcpServer(options);
  const closed = new Promise<void>((resolve) => (server.server.onclose = resolve));
  await server.connect(new StdioServerTransport());
  await closed;
}
