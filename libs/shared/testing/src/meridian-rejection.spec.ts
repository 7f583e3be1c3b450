import { errorCode, MeridianError } from '@meridian/shared-errors';
import { meridianRejection } from './meridian-rejection';

const TESTING_SAMPLE_FAILURE = errorCode('TESTING_SAMPLE_FAILURE', 'SampleFailure');

class SampleFailure extends MeridianError {
  readonly code = TESTING_SAMPLE_FAILURE;
  readonly category = 'internal' as const;
  constructor(message: string) {
    super(message);
  }
}

describe('meridianRejection', () => {
  it('returns the MeridianError a promise rejects with', async () => {
    const error = await meridianRejection(Promise.reject(new SampleFailure('boom')));
    expect(error).toBeInstanceOf(SampleFailure);
    expect(error.code).toBe('TESTING_SAMPLE_FAILURE');
  });

  it('throws when the promise resolves or rejects with a plain error', async () => {
    await expect(meridianRejection(Promise.resolve(1))).rejects.toThrow(
      'expected the promise to reject',
    );
    await expect(meridianRejection(Promise.reject(new Error('plain')))).rejects.toThrow(
      'expected a MeridianError, got Error: plain',
    );
  });
});
