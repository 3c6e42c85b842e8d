/** The documented exit codes (README "Exit codes"). 99 is k6's own code for breached thresholds. */
export const ExitCode = {
  pass: 0,
  gateFailed: 99,
  usage: 2,
  unreadableInput: 3,
  /** Something inside chaosgate went wrong (a bug or the environment): never a silent pass. */
  internal: 1,
  /** `chaosgate run` stopped by SIGINT/SIGTERM: chaos rolled back, k6 stopped, partial reports (never a pass). */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
