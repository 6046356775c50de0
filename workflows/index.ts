// Every workflow the orchestrator worker registers.
export { deploymentWorkflow } from './deployment';
export { serviceWorkflow } from './service';
export { serviceUndoWorkflow } from './service-undo';
export { notifyWorkflow } from './notify';
