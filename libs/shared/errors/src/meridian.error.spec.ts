import { errorCode, GrpcStatus, MeridianError, registeredErrorCodes, toErrorReport } from './index';

const SAMPLE_CODE = errorCode('SAMPLE_REJECTED', 'SampleRejectedError');

class SampleRejectedError extends MeridianError {
  readonly code = SAMPLE_CODE;
  readonly category = 'failed-precondition' as const;
  constructor(limit: string) {
    super(`sample over limit ${limit}`, { metadata: { limit } });
  }
}

describe('MeridianError', () => {
  it('reports its code, category and metadata as a gRPC status', () => {
    const report = toErrorReport(new SampleRejectedError('10'), () => 'unused');
    expect(report).toEqual({
      status: GrpcStatus.FAILED_PRECONDITION,
      reason: 'SAMPLE_REJECTED',
      message: 'sample over limit 10',
      metadata: { limit: '10' },
    });
  });

  it('hides unexpected errors behind an errorId', () => {
    const report = toErrorReport(new TypeError('secret detail'), () => 'err-123');
    expect(report.status).toBe(GrpcStatus.INTERNAL);
    expect(report.message).toBe('internal error (errorId=err-123)');
    expect(report.message).not.toContain('secret');
    expect(report.metadata).toEqual({ errorId: 'err-123' });
  });

  it('refuses a code claimed by two owners', () => {
    expect(() => errorCode('SAMPLE_REJECTED', 'AnotherError')).toThrow(/claimed by both/);
    expect(registeredErrorCodes().get('SAMPLE_REJECTED')).toBe('SampleRejectedError');
  });

  it('refuses codes that are not UPPER_SNAKE_CASE', () => {
    expect(() => errorCode('bad-code', 'X')).toThrow(/UPPER_SNAKE_CASE/);
  });

  it('keeps the class name and the cause', () => {
    const cause = new Error('root');
    class Wrapped extends MeridianError {
      readonly code = errorCode('SAMPLE_WRAPPED', 'Wrapped');
      readonly category = 'internal' as const;
      constructor() {
        super('wrapped', { cause });
      }
    }
    const error = new Wrapped();
    expect(error.name).toBe('Wrapped');
    expect(error.cause).toBe(cause);
  });
});
