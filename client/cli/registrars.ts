import type { CommandRegistrar } from './context';
import { registerPlanCommands } from './plan-commands';
import { registerRunCommands } from './run-commands';
import { registerWorkerCommands } from './worker-commands';

/** Every command group of the CLI, in help order. */
export const registrars: CommandRegistrar[] = [registerPlanCommands, registerRunCommands, registerWorkerCommands];
