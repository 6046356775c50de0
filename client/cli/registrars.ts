import type { CommandRegistrar } from './context';

/** Every command group of the CLI, in help order. */
export const registrars: CommandRegistrar[] = [];
