import { registerClusterCommands } from './cluster-commands';
import { registerCertsCommands } from './certs-commands';
import type { CommandRegistrar } from './context';
import { registerMcpCommands } from './mcp-commands';
import { registerOperatorCommands } from './operator-commands';
import { registerPlanCommands } from './plan-commands';
import { registerRunCommands } from './run-commands';
import { registerSteerCommands } from './steer-commands';
import { registerTuneCommands } from './tune-commands';
import { registerWorkerCommands } from './worker-commands';

/** Every command group of the CLI, in help order. */
export const registrars: CommandRegistrar[] = [registerPlanCommands, registerRunCommands, registerSteerCommands, registerTuneCommands, registerOperatorCommands, registerClusterCommands, registerWorkerCommands, registerMcpCommands, registerCertsCommands];
