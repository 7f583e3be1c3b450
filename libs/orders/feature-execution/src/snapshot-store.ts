import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

import { type BookSnapshot } from '@meridian/orders-domain';
import { z } from 'zod';

import { SnapshotInvalidError } from './execution.error';
import { type ExecutionStateJson } from './execution-state';

/**
 * A consistent cut of the executor, taken at a batch barrier after the batch's transaction
 * committed: every book, the main-thread state, and per partition the offset of the next
 * command to apply. Recovery = restore this, then replay commands from `offsets`.
 */
export interface ExecutorSnapshot {
  readonly format: 'meridian.executor.v1';
  readonly takenAt: string;
  /** Symbols in pool order; a snapshot of another instrument list is refused. */
  readonly symbols: readonly string[];
  /** Partition -> next offset to apply (decimal string: offsets are int64). */
  readonly offsets: Readonly<Record<string, string>>;
  /** Risk-controls partition -> next offset to apply. */
  readonly riskOffsets: Readonly<Record<string, string>>;
  readonly books: readonly BookSnapshot[];
  readonly state: ExecutionStateJson;
  /**
   * Messages of a risk-control application, written here BEFORE their Kafka transaction: if the
   * process dies before that commit, recovery publishes them (the risk offsets in Kafka tell).
   */
  readonly outbox?: {
    readonly riskOffsets: Readonly<Record<string, string>>;
    readonly records: readonly {
      readonly topic: 'events' | 'trades';
      readonly key: string;
      readonly id: string;
      readonly value: string;
    }[];
  };
}

/** Where snapshots live. One current snapshot per executor group. */
export interface SnapshotStore {
  load(): Promise<ExecutorSnapshot | undefined>;
  save(snapshot: ExecutorSnapshot): Promise<void>;
}

const snapshotSchema = z.object({
  format: z.literal('meridian.executor.v1'),
  takenAt: z.string(),
  symbols: z.array(z.string()),
  offsets: z.record(z.string(), z.string().regex(/^[0-9]+$/)),
  riskOffsets: z.record(z.string(), z.string().regex(/^[0-9]+$/)),
  // Books are validated by the engine on restore (parseBookSnapshot), the state by its own schema.
  books: z.array(z.custom<BookSnapshot>((v) => typeof v === 'object' && v !== null)),
  state: z.custom<ExecutionStateJson>((v) => typeof v === 'object' && v !== null),
  outbox: z
    .object({
      riskOffsets: z.record(z.string(), z.string().regex(/^[0-9]+$/)),
      records: z.array(
        z.object({
          topic: z.enum(['events', 'trades']),
          key: z.string(),
          id: z.string(),
          value: z.string(),
        }),
      ),
    })
    .optional(),
});

/** Validates an untrusted snapshot (file contents). */
export function parseExecutorSnapshot(raw: unknown): ExecutorSnapshot {
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success)
    throw new SnapshotInvalidError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

/**
 * Snapshots as JSON files on a local (persistent) volume, written atomically: a temp file,
 * fsync, rename, fsync of the directory. Chosen over PostgreSQL because the executor is the only
 * reader and writer, a snapshot is one blob read once at start, and the hot path must not depend
 * on a database being up (see docs/adr/0005).
 */
export class FileSnapshotStore implements SnapshotStore {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    name: string,
  ) {
    this.file = join(dir, `${name}.snapshot.json`);
  }

  get path(): string {
    return this.file;
  }

  async load(): Promise<ExecutorSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SnapshotInvalidError(`cannot read ${this.file}`, error);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new SnapshotInvalidError(`${this.file} is not JSON`, error);
    }
    return parseExecutorSnapshot(raw);
  }

  async save(snapshot: ExecutorSnapshot): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** In-memory store (tests, benchmarks). */
export class MemorySnapshotStore implements SnapshotStore {
  current: ExecutorSnapshot | undefined;

  load(): Promise<ExecutorSnapshot | undefined> {
    return Promise.resolve(
      this.current === undefined
        ? undefined
        : parseExecutorSnapshot(JSON.parse(JSON.stringify(this.current))),
    );
  }

  save(snapshot: ExecutorSnapshot): Promise<void> {
    this.current = snapshot;
    return Promise.resolve();
  }
}
