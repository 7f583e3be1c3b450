import { randomBytes } from 'node:crypto';
import { admin, type common, risk } from '@meridian/contracts';
import type { ApiKeyRole } from '@meridian/orders-data-access';
import {
  InvalidRequestReason,
  OrderRequestInvalidError,
  parseExactDecimal,
  type RiskLimits,
  type TradingState,
  type TradingStateScope,
} from '@meridian/orders-domain-pretrade';
import type { Principal } from './api-key.authenticator';
import { PermissionDeniedError } from './gateway.error';

/** Account and agent ids: what the database's CHECK constraints allow. */
const ID = /^[A-Za-z0-9_.-]{1,64}$/;
const KEY_ID = /^[0-9a-f]{16}$/;
const MAX_NAME = 128;
const MAX_REASON = 500;
/** Rotation grace at most 7 days: a longer overlap defeats the point of rotating. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(field: string, problem: string, detail?: string): never {
  throw new OrderRequestInvalidError(InvalidRequestReason.INVALID_FIELD, field, problem, detail);
}

function unknownEnum(field: string, value: number): never {
  throw new OrderRequestInvalidError(
    InvalidRequestReason.UNKNOWN_ENUM_VALUE,
    field,
    value === 0 ? 'unspecified' : 'unknown',
    `${value} is not an allowed value`,
  );
}

/** Admin keys only; every other role is PERMISSION_DENIED whatever the request holds. */
export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') {
    throw new PermissionDeniedError(`a ${principal.role} key may not use the AdminService`, {
      role: principal.role,
    });
  }
}

/** A required account or agent id. */
export function validateId(value: string, field: string): string {
  if (value.length === 0) invalid(field, 'missing');
  if (!ID.test(value)) invalid(field, 'malformed', 'must be 1-64 of [A-Za-z0-9_.-]');
  return value;
}

/** An id the caller may leave empty for the server to choose (`<prefix>_<16 hex>`). */
export function idOrGenerated(value: string, field: string, prefix: string): string {
  return value === '' ? `${prefix}_${randomBytes(8).toString('hex')}` : validateId(value, field);
}

export function validateKeyId(value: string, field = 'key_id'): string {
  if (value.length === 0) invalid(field, 'missing');
  if (!KEY_ID.test(value)) invalid(field, 'malformed', 'must be 16 lower-case hex digits');
  return value;
}

export function validateName(value: string, field = 'name'): string {
  if (value.length === 0) invalid(field, 'missing');
  if (value.length > MAX_NAME) invalid(field, 'too-long', `at most ${MAX_NAME} characters`);
  if (CONTROL.test(value)) invalid(field, 'malformed', 'must not contain control characters');
  return value;
}

/** The audit reason: required for some changes, at most 500 characters always. */
export function validateReason(value: string, required: boolean, field = 'reason'): string {
  if (required && value.trim().length === 0) invalid(field, 'missing');
  if (value.length > MAX_REASON) invalid(field, 'too-long', `at most ${MAX_REASON} characters`);
  if (CONTROL.test(value.replaceAll('\n', ''))) invalid(field, 'malformed', 'control characters');
  return value;
}

export function validateGraceSeconds(value: number, field = 'grace_seconds'): number {
  if (value > MAX_ROTATION_GRACE_SECONDS)
    invalid(field, 'out-of-range', `at most ${MAX_ROTATION_GRACE_SECONDS} seconds`);
  return value;
}

const ROLE_FROM_WIRE: ReadonlyMap<number, ApiKeyRole> = new Map([
  [admin.ApiKeyRole.TRADER, 'trader'],
  [admin.ApiKeyRole.READ_ONLY, 'read-only'],
  [admin.ApiKeyRole.ADMIN, 'admin'],
]);

export function roleFromWire(value: admin.ApiKeyRole, field = 'role'): ApiKeyRole {
  return ROLE_FROM_WIRE.get(value) ?? unknownEnum(field, value);
}

export function roleToWire(role: ApiKeyRole): admin.ApiKeyRole {
  switch (role) {
    case 'trader':
      return admin.ApiKeyRole.TRADER;
    case 'read-only':
      return admin.ApiKeyRole.READ_ONLY;
    case 'admin':
      return admin.ApiKeyRole.ADMIN;
  }
}

const STATE_FROM_WIRE: ReadonlyMap<number, TradingState> = new Map([
  [risk.TradingState.ACTIVE, 'ACTIVE'],
  [risk.TradingState.REDUCING, 'REDUCING'],
  [risk.TradingState.HALTED, 'HALTED'],
]);

export function stateFromWire(value: risk.TradingState, field = 'state'): TradingState {
  return STATE_FROM_WIRE.get(value) ?? unknownEnum(field, value);
}

export function stateToWire(state: TradingState): risk.TradingState {
  switch (state) {
    case 'ACTIVE':
      return risk.TradingState.ACTIVE;
    case 'REDUCING':
      return risk.TradingState.REDUCING;
    case 'HALTED':
      return risk.TradingState.HALTED;
  }
}

export function scopeToWire(scope: TradingStateScope | null): risk.ControlScope {
  switch (scope) {
    case 'agent':
      return risk.ControlScope.AGENT;
    case 'account':
      return risk.ControlScope.ACCOUNT;
    case 'global':
      return risk.ControlScope.GLOBAL;
    case null:
      return risk.ControlScope.UNSPECIFIED;
  }
}

/** A trading-state target after validation: scope and id ('' for global). */
export interface StateTarget {
  readonly scope: TradingStateScope;
  readonly scopeId: string;
}

/** scope + target_id: GLOBAL takes no id, AGENT and ACCOUNT need one. */
export function validateStateTarget(scope: risk.ControlScope, targetId: string): StateTarget {
  switch (scope) {
    case risk.ControlScope.GLOBAL:
      if (targetId !== '') invalid('target_id', 'not-allowed', 'must be empty for GLOBAL');
      return { scope: 'global', scopeId: '' };
    case risk.ControlScope.ACCOUNT:
      return { scope: 'account', scopeId: validateId(targetId, 'target_id') };
    case risk.ControlScope.AGENT:
      return { scope: 'agent', scopeId: validateId(targetId, 'target_id') };
    default:
      return unknownEnum('scope', scope);
  }
}

function limitDecimal(value: common.Decimal | undefined, field: string): string | null {
  if (value === undefined) return null;
  if (value.value === '') invalid(`limits.${field}.value`, 'empty', 'omit the field for no limit');
  if (parseExactDecimal(value.value) === null) {
    invalid(
      `limits.${field}.value`,
      'malformed',
      `"${value.value.slice(0, 40)}" is not a non-negative decimal`,
    );
  }
  return value.value;
}

function positive(value: number, field: string): number {
  if (value === 0) invalid(`limits.${field}`, 'not-positive', 'must be at least 1');
  return value;
}

/** The wire limits as the domain's RiskLimits (absent = no limit), every field checked. */
export function limitsFromWire(limits: admin.RiskLimits | undefined): RiskLimits {
  if (limits === undefined) invalid('limits', 'missing');
  return {
    maxOrderQuantity: limitDecimal(limits.maxOrderQuantity, 'max_order_quantity'),
    maxOrderNotional: limitDecimal(limits.maxOrderNotional, 'max_order_notional'),
    priceBandBps: limits.priceBandBps ?? null,
    maxOpenOrders: limits.maxOpenOrders ?? null,
    maxPosition: limitDecimal(limits.maxPosition, 'max_position'),
    maxGrossExposure: limitDecimal(limits.maxGrossExposure, 'max_gross_exposure'),
    orderRatePerSecond: positive(limits.orderRatePerSecond, 'order_rate_per_second'),
    orderBurst: positive(limits.orderBurst, 'order_burst'),
  };
}

export function limitsToWire(limits: RiskLimits): admin.RiskLimits {
  const decimal = (value: string | null): common.Decimal | undefined =>
    value === null ? undefined : { value };
  return {
    maxOrderQuantity: decimal(limits.maxOrderQuantity),
    maxOrderNotional: decimal(limits.maxOrderNotional),
    ...(limits.priceBandBps === null ? {} : { priceBandBps: limits.priceBandBps }),
    ...(limits.maxOpenOrders === null ? {} : { maxOpenOrders: limits.maxOpenOrders }),
    maxPosition: decimal(limits.maxPosition),
    maxGrossExposure: decimal(limits.maxGrossExposure),
    orderRatePerSecond: limits.orderRatePerSecond,
    orderBurst: limits.orderBurst,
  };
}

/** Unix nanoseconds of a database timestamp (ms precision). */
export function nanosOf(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}
