import { Metadata, status } from '@grpc/grpc-js';
import { errorInfoOf, STATUS_DETAILS_TRAILER, toServiceError } from './grpc-status-details';

describe('gRPC status details', () => {
  it('round-trips code, message and ErrorInfo through the trailer', () => {
    const error = toServiceError({
      status: status.FAILED_PRECONDITION,
      message: 'trading is halted',
      reason: 'GATEWAY_TRADING_HALTED',
      domain: 'order-gateway.meridian',
      metadata: { scope: 'account' },
    });
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toBe('trading is halted');
    expect(errorInfoOf(error.metadata)).toEqual({
      reason: 'GATEWAY_TRADING_HALTED',
      domain: 'order-gateway.meridian',
      metadata: { scope: 'account' },
    });
  });

  it('answers null for a call without details or with a trailer that is not a Status', () => {
    expect(errorInfoOf(undefined)).toBeNull();
    expect(errorInfoOf(new Metadata())).toBeNull();
    const garbage = new Metadata();
    garbage.set(STATUS_DETAILS_TRAILER, Buffer.from([0xff, 0xff, 0xff]));
    expect(errorInfoOf(garbage)).toBeNull();
  });
});
