/** Test helpers for risk-monitor storage specs. Specs only. */
import { createTestSchema, type TestSchema } from '@meridian/shared-persistence/testing';
import { migrateRiskMonitorSchema } from './risk-monitor.migrations';

/** A fresh schema with the risk-monitor tables; `drop()` it in afterAll. */
export async function createRiskTestSchema(prefix = 'risk'): Promise<TestSchema> {
  const pg = await createTestSchema(prefix);
  await migrateRiskMonitorSchema(pg.db, pg.schema);
  return pg;
}
