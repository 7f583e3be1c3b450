import { FailoverState } from './failover-state';

describe('FailoverState', () => {
  const machine = (switchBackAfterMs = 0) =>
    new FailoverState({ staleAfterMs: 1_000, switchBackAfterMs, hasBackup: true });

  it('starts on the primary and stays there while it is healthy', () => {
    const state = machine();
    expect(state.connection('primary', true, 0)).toBeUndefined();
    expect(state.connection('backup', true, 0)).toBeUndefined();
    expect(state.tick('backup', 10)).toBeUndefined();
    expect(state.tick('primary', 20)).toBeUndefined();
    expect(state.active).toBe('primary');
  });

  it('fails over when the primary disconnects and comes back when it ticks again', () => {
    const state = machine();
    state.connection('primary', true, 0);
    state.connection('backup', true, 0);
    state.tick('primary', 1);
    state.tick('backup', 2);
    expect(state.connection('primary', false, 100)).toEqual({
      from: 'primary',
      to: 'backup',
      reason: 'primary-down',
    });
    expect(state.active).toBe('backup');
    // Reconnected but silent: not healthy yet.
    expect(state.connection('primary', true, 200)).toBeUndefined();
    expect(state.tick('backup', 250)).toBeUndefined();
    expect(state.tick('primary', 300)).toEqual({
      from: 'backup',
      to: 'primary',
      reason: 'primary-recovered',
    });
  });

  it('gives a fresh primary connection staleAfterMs to tick before failing over', () => {
    const state = machine();
    state.connection('primary', true, 0);
    state.connection('backup', true, 0);
    expect(state.tick('backup', 10)).toBeUndefined();
    expect(state.isStarting('primary', 999)).toBe(true);
    expect(state.evaluate(999)).toBeUndefined();
    state.tick('backup', 1_000);
    expect(state.active).toBe('backup');
    expect(state.isStarting('primary', 1_000)).toBe(false);
  });

  it('fails over when the primary goes stale while connected', () => {
    const state = machine();
    state.connection('primary', true, 0);
    state.connection('backup', true, 0);
    state.tick('primary', 0);
    state.tick('backup', 900);
    expect(state.evaluate(999)).toBeUndefined();
    expect(state.tick('backup', 1_000)).toEqual({
      from: 'primary',
      to: 'backup',
      reason: 'primary-stale',
    });
  });

  it('holds the backup until the primary was healthy for switchBackAfterMs', () => {
    const state = machine(500);
    state.connection('backup', true, 0);
    state.tick('backup', 0);
    // The primary never connected: the backup takes over at once.
    expect(state.active).toBe('backup');
    state.connection('primary', true, 100);
    state.tick('primary', 100);
    state.tick('backup', 150);
    expect(state.tick('primary', 599)).toBeUndefined();
    expect(state.tick('primary', 600)?.reason).toBe('primary-recovered');
  });

  it('restarts the hold-down when the recovering primary flaps', () => {
    const state = machine(500);
    state.connection('backup', true, 0);
    state.tick('backup', 0);
    state.connection('primary', true, 0);
    state.tick('primary', 100);
    state.connection('primary', false, 300);
    state.connection('primary', true, 310);
    state.tick('primary', 320);
    state.tick('backup', 400);
    expect(state.tick('primary', 700)).toBeUndefined();
    expect(state.tick('primary', 820)?.to).toBe('primary');
  });

  it('goes back to a healthy primary at once when the backup fails', () => {
    const state = machine(10_000);
    state.connection('backup', true, 0);
    state.tick('backup', 0);
    state.connection('primary', true, 10);
    state.tick('primary', 10);
    expect(state.connection('backup', false, 20)).toEqual({
      from: 'backup',
      to: 'primary',
      reason: 'backup-down',
    });
  });

  it('stays on a failed primary when there is no healthy backup, and never switches without one', () => {
    const state = machine();
    state.connection('primary', true, 0);
    state.tick('primary', 0);
    expect(state.connection('primary', false, 10)).toBeUndefined();
    expect(state.active).toBe('primary');
    const single = new FailoverState({
      staleAfterMs: 1_000,
      switchBackAfterMs: 0,
      hasBackup: false,
    });
    single.connection('backup', true, 0);
    single.tick('backup', 0);
    expect(single.active).toBe('primary');
    expect(single.isHealthy('backup', 0)).toBe(true);
    expect(single.isHealthy('primary', 0)).toBe(false);
  });
});
