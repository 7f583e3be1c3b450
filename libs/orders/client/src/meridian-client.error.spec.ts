import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { gatewayError } from './testing';
import {
  decodeErrorInfo,
  MeridianClientError,
  statusName,
  toMeridianClientError,
} from './meridian-client.error';

describe('MeridianClientError', () => {
  it('decodes the ErrorInfo of grpc-status-details-bin into code, reason, domain and metadata', () => {
    const error = toMeridianClientError(
      gatewayError(
        {
          code: GrpcStatus.INVALID_ARGUMENT,
          reason: 'GATEWAY_INVALID_PRICE',
          metadata: { field: 'order.limit_price.value', problem: 'off-increment' },
        },
        'limit price is not on the tick grid',
      ),
      'SubmitOrder',
    );
    expect(error).toBeInstanceOf(MeridianClientError);
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.codeName).toBe('INVALID_ARGUMENT');
    expect(error.reason).toBe('GATEWAY_INVALID_PRICE');
    expect(error.domain).toBe('order-gateway.meridian');
    expect(error.metadata).toEqual({ field: 'order.limit_price.value', problem: 'off-increment' });
    expect(error.message).toBe('limit price is not on the tick grid');
    expect(error.method).toBe('SubmitOrder');
    expect(error.hasErrorInfo).toBe(true);
    expect(error.toJSON()).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: 'GATEWAY_INVALID_PRICE',
    });
    expect(String(error)).toBe(
      'INVALID_ARGUMENT GATEWAY_INVALID_PRICE: limit price is not on the tick grid',
    );
  });

  it('falls back to the status name when the server sent no ErrorInfo (transport failures)', () => {
    const error = toMeridianClientError(
      Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
        code: GrpcStatus.UNAVAILABLE,
        details: 'No connection established',
        metadata: new Metadata(),
      }),
    );
    expect(error.reason).toBe('UNAVAILABLE');
    expect(error.hasErrorInfo).toBe(false);
    expect(error.metadata).toEqual({});
    expect(error.message).toBe('No connection established');
  });

  it('survives a trailer that is not a google.rpc.Status', () => {
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from([0xff, 0xff, 0xff, 0x01]));
    expect(decodeErrorInfo(metadata)).toBeNull();
    const error = toMeridianClientError(
      Object.assign(new Error('x'), { code: GrpcStatus.INTERNAL, details: 'x', metadata }),
    );
    expect(error.reason).toBe('INTERNAL');
  });

  it('wraps non-gRPC failures as UNKNOWN / CLIENT_ERROR and passes its own errors through', () => {
    const plain = toMeridianClientError(new TypeError('boom'));
    expect(plain.code).toBe(GrpcStatus.UNKNOWN);
    expect(plain.reason).toBe('CLIENT_ERROR');
    expect(toMeridianClientError(plain)).toBe(plain);
    expect(statusName(GrpcStatus.RESOURCE_EXHAUSTED)).toBe('RESOURCE_EXHAUSTED');
    expect(statusName(99)).toBe('99');
  });
});
