import { type Scheduler } from '../scheduler';

interface Task {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void | Promise<void>;
}

/**
 * A {@link Scheduler} whose clock moves only when a test says so. `advance(ms)` runs every task
 * that falls due, in time order, and awaits each one (its renewal's real HTTP round trip
 * included) before moving on; tasks scheduled meanwhile run too if they fall inside the window.
 */
export class ManualScheduler implements Scheduler {
  private readonly tasks: Task[] = [];
  private seq = 0;

  constructor(private current: number = Date.now()) {}

  now(): number {
    return this.current;
  }

  schedule(delayMs: number, task: () => void | Promise<void>): () => void {
    const entry: Task = { at: this.current + Math.max(0, delayMs), seq: this.seq++, run: task };
    this.tasks.push(entry);
    return () => {
      const index = this.tasks.indexOf(entry);
      if (index >= 0) this.tasks.splice(index, 1);
    };
  }

  /** How many tasks are waiting (0 after a component's close() means it cancelled its timers). */
  get pending(): number {
    return this.tasks.length;
  }

  /** Delay until the next task is due, or undefined when none is waiting. */
  nextDelay(): number | undefined {
    const next = this.peek();
    return next === undefined ? undefined : next.at - this.current;
  }

  /** Moves the clock forward by `ms`, running what falls due. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (let next = this.peek(); next !== undefined && next.at <= target; next = this.peek()) {
      this.tasks.splice(this.tasks.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      await next.run();
    }
    this.current = target;
  }

  /** Jumps to the next task and runs it; false when nothing is scheduled. */
  async runNext(): Promise<boolean> {
    const delay = this.nextDelay();
    if (delay === undefined) return false;
    await this.advance(Math.max(0, delay));
    return true;
  }

  private peek(): Task | undefined {
    let best: Task | undefined;
    for (const task of this.tasks) {
      if (best === undefined || task.at < best.at || (task.at === best.at && task.seq < best.seq))
        best = task;
    }
    return best;
  }
}
