import { DatabaseError } from 'pg';
import { mapPgError } from './pg-error.mapper';
import { UniqueViolationError } from './persistence.error';

function serverError(code: string, fields: Partial<DatabaseError> = {}): DatabaseError {
  const error = new DatabaseError(`server says ${code}`, 0, 'error');
  error.code = code;
  Object.assign(error, fields);
  return error;
}

describe('mapPgError', () => {
  it.each([
    ['23505', 'DB_UNIQUE_VIOLATION', 'already-exists'],
    ['23503', 'DB_FOREIGN_KEY_VIOLATION', 'failed-precondition'],
    ['23514', 'DB_CHECK_VIOLATION', 'invalid-argument'],
    ['23502', 'DB_CHECK_VIOLATION', 'invalid-argument'],
    ['40001', 'DB_SERIALIZATION_FAILURE', 'aborted'],
    ['40P01', 'DB_SERIALIZATION_FAILURE', 'aborted'],
    ['57014', 'DB_STATEMENT_TIMEOUT', 'deadline-exceeded'],
    ['28P01', 'DB_AUTH_FAILED', 'unavailable'],
    ['57P01', 'DB_UNAVAILABLE', 'unavailable'],
    ['53300', 'DB_UNAVAILABLE', 'unavailable'],
    ['08006', 'DB_UNAVAILABLE', 'unavailable'],
    ['42601', 'DB_QUERY_FAILED', 'internal'],
  ])('maps SQLSTATE %s to %s (%s)', (sqlstate, code, category) => {
    const mapped = mapPgError(serverError(sqlstate));
    expect(mapped.code).toBe(code);
    expect(mapped.category).toBe(category);
    expect(mapped.metadata['sqlstate']).toBe(sqlstate);
  });

  it('keeps row values from the server detail out of the message', () => {
    const mapped = mapPgError(
      serverError('23505', {
        constraint: 'orders_client_order_id_key',
        table: 'orders',
        detail: 'Key (id)=(secret)',
      }),
    );
    expect(mapped).toBeInstanceOf(UniqueViolationError);
    expect(mapped.message).toBe(
      'unique constraint "orders_client_order_id_key" violated on orders',
    );
    expect(mapped.metadata).toEqual({
      sqlstate: '23505',
      constraint: 'orders_client_order_id_key',
      table: 'orders',
    });
  });

  it('recognises a refused connection inside an AggregateError (IPv4 + IPv6 attempts)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), {
      code: 'ECONNREFUSED',
    });
    const mapped = mapPgError(new AggregateError([refused, refused]), {
      host: 'localhost',
      port: 5432,
    });
    expect(mapped.code).toBe('DB_UNAVAILABLE');
    expect(mapped.message).toContain('localhost:5432');
    expect(mapped.message).toContain(
      'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  });

  it('recognises pg-pool connection timeouts and dropped connections', () => {
    expect(mapPgError(new Error('timeout exceeded when trying to connect')).code).toBe(
      'DB_UNAVAILABLE',
    );
    expect(mapPgError(new Error('Connection terminated unexpectedly')).code).toBe('DB_UNAVAILABLE');
    expect(mapPgError(new Error('Query read timeout')).code).toBe('DB_STATEMENT_TIMEOUT');
  });

  it('returns MeridianErrors unchanged and wraps anything else as DB_QUERY_FAILED', () => {
    const already = mapPgError(serverError('23505'));
    expect(mapPgError(already)).toBe(already);
    expect(mapPgError('a string').code).toBe('DB_QUERY_FAILED');
  });
});
