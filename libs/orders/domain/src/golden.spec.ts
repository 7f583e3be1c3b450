import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REASON_CODES } from './reason-codes';
import { type GoldenScenario, runDecimal, summarizeEvent } from './testing';

const DIR = join(__dirname, '__golden__');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string): GoldenScenario {
  const raw: unknown = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: not an object`);
  const r = raw as Partial<Record<keyof GoldenScenario, unknown>>;
  if (
    typeof r.description !== 'string' ||
    !Array.isArray(r.instruments) ||
    !Array.isArray(r.commands) ||
    !Array.isArray(r.summary)
  ) {
    throw new Error(`${file}: needs description, instruments, commands, summary`);
  }
  return raw as GoldenScenario;
}

describe('golden scenarios (JSON commands in, JSON events out)', () => {
  it('has scenarios to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it('together exercise every reason code and every event type', () => {
    const reasons = new Set<unknown>();
    const types = new Set<unknown>();
    for (const file of files) {
      for (const e of load(file).events) {
        reasons.add(e['reason']);
        types.add(e['type']);
      }
    }
    expect(REASON_CODES.filter((r) => r !== 'NONE' && !reasons.has(r))).toEqual([]);
    expect([...types].sort()).toEqual([
      'accepted',
      'canceled',
      'expired',
      'filled',
      'partially-filled',
      'rejected',
      'replaced',
      'trade',
      'triggered',
    ]);
  });

  it.each(files)('%s', (file) => {
    const scenario = load(file);
    const events = runDecimal(scenario.instruments, scenario.commands);
    // The hand-written summary is the reviewed expectation; it is never regenerated.
    expect(events.map(summarizeEvent)).toEqual(scenario.summary);
    if (UPDATE) {
      writeFileSync(join(DIR, file), `${JSON.stringify({ ...scenario, events }, null, 2)}\n`);
      return;
    }
    expect(events).toEqual(scenario.events);
    // Byte for byte: same keys, same order, same values.
    expect(JSON.stringify(events)).toBe(JSON.stringify(scenario.events));
    // Deterministic: a second run gives the same bytes.
    expect(JSON.stringify(runDecimal(scenario.instruments, scenario.commands))).toBe(
      JSON.stringify(events),
    );
  });
});
