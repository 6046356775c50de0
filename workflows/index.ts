// Every workflow the orchestrator worker registers.
export { deploymentWorkflow } from './deployment';
export { serviceWorkflow, serviceUndoWorkflow } from './service';
