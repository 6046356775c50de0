// Every workflow the orchestrator worker registers.
export { proofWorkflow } from './proof';
