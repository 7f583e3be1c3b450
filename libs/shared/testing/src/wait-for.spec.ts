import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves once a synchronous check holds', async () => {
    let polls = 0;
    await waitFor('the third poll', () => ++polls === 3, 1000, 1);
    expect(polls).toBe(3);
  });

  it('awaits asynchronous checks', async () => {
    let polls = 0;
    await waitFor('an async fact', async () => Promise.resolve(++polls >= 2), 1000, 1);
    expect(polls).toBe(2);
  });

  it('rejects naming what it waited for when the check never holds', async () => {
    await expect(waitFor('the impossible', () => false, 30, 5)).rejects.toThrow(
      'timed out after 30 ms waiting for the impossible',
    );
  });

  it('rejects at once with the error a check throws', async () => {
    let polls = 0;
    const failing = (): boolean => {
      polls += 1;
      throw new Error('query failed');
    };
    await expect(waitFor('a broken check', failing, 1000, 1)).rejects.toThrow('query failed');
    expect(polls).toBe(1);
  });
});
