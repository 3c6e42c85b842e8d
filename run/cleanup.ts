// What a run must undo, registered by each stage as it acquires it and run in reverse order
// whatever happens: one failing step does not keep the others from running.
export class CleanupStack {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];

  push(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Runs every step registered so far, newest first; returns the errors (each named). */
  unwind(): Promise<Error[]> {
    return this.unwindTo(0);
  }

  /** Runs the steps registered after the one named `name` (all of them if there is none), newest first. */
  unwindAbove(name: string): Promise<Error[]> {
    return this.unwindTo(this.steps.findIndex((s) => s.name === name) + 1);
  }

  private async unwindTo(depth: number): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.steps.length > depth) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (err) {
        errors.push(new Error(`${step.name}: ${(err as Error).message}`, { cause: err }));
      }
    }
    return errors;
  }
}
