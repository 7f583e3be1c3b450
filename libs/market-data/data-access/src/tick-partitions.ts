import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';
import { isoDate } from './time-codec';

const created = z.object({ created: z.number().int() });
const dropped = z.object({ dropped: z.number().int() });
const partition = z.object({ relname: z.string() });

/**
 * The daily tick partitions of the plain-PostgreSQL path. Remembers the days known to exist,
 * so a batch only pays a round trip when it brings a day without a partition (a new day, or a
 * replay of an old one).
 */
export class TickPartitions {
  private readonly known = new Set<number>();

  constructor(private readonly db: Queryable) {}

  /** Loads the existing partitions' days. */
  async refresh(): Promise<readonly number[]> {
    const { rows } = await this.db.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'ticks'::regclass AND c.relname ~ '^ticks_p[0-9]{8}$'`,
      [],
      { rowSchema: partition },
    );
    this.known.clear();
    for (const { relname } of rows) {
      const day = Date.parse(
        `${relname.slice(7, 11)}-${relname.slice(11, 13)}-${relname.slice(13, 15)}T00:00:00Z`,
      );
      this.known.add(day / 86_400_000);
    }
    return [...this.known].sort((a, b) => a - b);
  }

  /** Creates the partitions of these epoch days that are not known to exist; returns how many. */
  async ensureDays(days: Iterable<number>): Promise<number> {
    const missing = [...new Set(days)].filter((day) => !this.known.has(day)).sort((a, b) => a - b);
    let count = 0;
    // Contiguous runs in one call each (a replay of a week is one statement).
    for (let i = 0; i < missing.length;) {
      let j = i;
      while (j + 1 < missing.length && (missing[j + 1] ?? 0) === (missing[j] ?? 0) + 1) j += 1;
      count += await this.ensureRange(missing[i] ?? 0, missing[j] ?? 0);
      i = j + 1;
    }
    return count;
  }

  /** Partitions from `fromDay` through `toDay` (epoch days, inclusive). */
  async ensureRange(fromDay: number, toDay: number): Promise<number> {
    const { rows } = await this.db.query(
      'SELECT marketdata_ensure_tick_partitions($1::date, $2::date) AS created',
      [isoDate(fromDay), isoDate(toDay)],
      { rowSchema: created },
    );
    for (let day = fromDay; day <= toDay; day += 1) this.known.add(day);
    return rows[0]?.created ?? 0;
  }

  /** Drops partitions of days before `beforeDay` (retention); returns how many. */
  async dropBefore(beforeDay: number): Promise<number> {
    const { rows } = await this.db.query(
      'SELECT marketdata_drop_tick_partitions($1::date) AS dropped',
      [isoDate(beforeDay)],
      { rowSchema: dropped },
    );
    for (const day of [...this.known]) if (day < beforeDay) this.known.delete(day);
    return rows[0]?.dropped ?? 0;
  }

  isKnown(day: number): boolean {
    return this.known.has(day);
  }
}
