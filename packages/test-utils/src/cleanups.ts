/**
 * A stack of cleanup functions, drained in reverse order of registration. Every step runs even
 * when an earlier one fails; failures are reported together as one AggregateError.
 *
 * ```ts
 * const cleanups = new Cleanups();
 * afterEach(() => cleanups.run());
 * ```
 */
export class Cleanups {
  #steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, `${errors.length} cleanup steps failed`);
  }
}
