// The chaos library API: what the CLI and the run orchestrator call.
export { openChaosSession, ChaosSession, type ChaosSessionOptions, type ActiveFaultInfo, type RunPlanOptions } from './session.js';
export { rollbackOnSignals, type RollbackOnSignalsOptions } from './signals.js';
export { recoverJournal, type RecoveryReport } from './recover.js';
export { readJournal, type JournalFile, type JournalEntry } from './journal.js';
export { chaosSectionSchema, type ChaosSection, type PlanEntry } from './config.js';
export type { ChaosEvent } from './events.js';
