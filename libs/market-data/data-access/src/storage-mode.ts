import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';
import { StorageNotMigratedError } from './market-data.error';

/** 'timescale': bars are continuous aggregates; 'plain': tick-writer maintains the bar tables. */
export type StorageMode = 'timescale' | 'plain';

const row = z.object({ mode: z.enum(['timescale', 'plain']) });

/** Which path the migration took in this schema. */
export async function readStorageMode(db: Queryable): Promise<StorageMode> {
  try {
    const { rows } = await db.query('SELECT mode FROM marketdata_storage', [], { rowSchema: row });
    const mode = rows[0]?.mode;
    if (mode === undefined) throw new StorageNotMigratedError();
    return mode;
  } catch (error) {
    if (error instanceof StorageNotMigratedError) throw error;
    // 42P01 undefined_table arrives as DB_QUERY_FAILED: same answer for the caller.
    if (error instanceof Error && /marketdata_storage/.test(error.message))
      throw new StorageNotMigratedError();
    throw error;
  }
}
