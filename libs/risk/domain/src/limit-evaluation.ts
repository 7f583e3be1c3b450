import { type AccountRiskSnapshot } from './account-snapshot';
import {
  approximateRatio,
  compareRatio,
  divide,
  formatDecimal,
  formatRatio,
  HUNDRED,
  multiply,
  negate,
  type Ratio,
  ratioOf,
  ZERO,
} from './exact-ratio';
import { type ExactDecimal } from './exact-ratio';
import {
  type BreachAction,
  LIMIT_KINDS,
  type LimitKind,
  type PostTradeLimits,
} from './post-trade-limits';

/** How one limit stands for one valuation. */
export interface LimitObservation {
  readonly kind: LimitKind;
  /** Exact observed value (loss as a positive amount, drawdown, drawdown %, gross exposure). */
  readonly observed: Ratio;
  readonly threshold: Ratio;
  /** observed as text (percentages to 4 decimals, truncated). */
  readonly observedText: string;
  readonly thresholdText: string;
  readonly action: BreachAction;
  readonly breached: boolean;
  /** observed >= warningFraction * threshold (and maybe breached too). */
  readonly nearBreach: boolean;
  /** observed / threshold, approximate: for the utilisation gauge only. */
  readonly utilization: number;
}

export interface EvaluationOptions {
  /** Early-warning point as a fraction of each limit, e.g. 0.8; exact. */
  readonly warningFraction: Ratio;
}

const PCT_DIGITS = 4;

/** Equal counts as a breach for loss and drawdown ("day_pnl <= -limit"), not for exposure. */
function isBreach(kind: LimitKind, observed: Ratio, threshold: Ratio): boolean {
  const cmp = compareRatio(observed, threshold);
  return kind === 'GROSS_EXPOSURE' ? cmp > 0 : cmp >= 0;
}

/**
 * The observed value of a limit, or undefined when it cannot be measured (a drawdown
 * percentage of a high-water mark <= 0).
 */
function observedValue(kind: LimitKind, snapshot: AccountRiskSnapshot): Ratio | undefined {
  switch (kind) {
    case 'DAILY_LOSS': {
      const pnl = ratioOf(snapshot.dayPnl);
      return compareRatio(pnl, ZERO) < 0 ? negate(pnl) : ZERO;
    }
    case 'DRAWDOWN':
      return ratioOf(snapshot.drawdown);
    case 'DRAWDOWN_PCT': {
      const hwm = ratioOf(snapshot.highWaterMark);
      if (compareRatio(hwm, ZERO) <= 0) return undefined;
      return divide(multiply(ratioOf(snapshot.drawdown), HUNDRED), hwm);
    }
    case 'GROSS_EXPOSURE':
      return ratioOf(snapshot.grossExposure);
  }
}

function observedText(kind: LimitKind, observed: Ratio, snapshot: AccountRiskSnapshot): string {
  switch (kind) {
    case 'DAILY_LOSS':
      return snapshot.dayPnl.units < 0n
        ? formatDecimal({ units: -snapshot.dayPnl.units, scale: snapshot.dayPnl.scale })
        : '0';
    case 'DRAWDOWN':
      return formatDecimal(snapshot.drawdown);
    case 'DRAWDOWN_PCT':
      return formatRatio(observed, PCT_DIGITS);
    case 'GROSS_EXPOSURE':
      return formatDecimal(snapshot.grossExposure);
  }
}

/** An observation whose texts and float ratio are worked out on first use (quiet updates never need them). */
class Observation implements LimitObservation {
  constructor(
    readonly kind: LimitKind,
    readonly observed: Ratio,
    readonly threshold: Ratio,
    readonly action: BreachAction,
    readonly breached: boolean,
    readonly nearBreach: boolean,
    private readonly limit: ExactDecimal,
    private readonly snapshot: AccountRiskSnapshot,
  ) {}

  get observedText(): string {
    return observedText(this.kind, this.observed, this.snapshot);
  }

  get thresholdText(): string {
    return formatDecimal(this.limit);
  }

  get utilization(): number {
    return approximateRatio(this.observed, this.threshold);
  }
}

interface PreparedLimit {
  readonly kind: LimitKind;
  readonly limit: ExactDecimal;
  readonly threshold: Ratio;
  readonly warnAt: Ratio;
  readonly action: BreachAction;
}

// Thresholds as ratios, per limits object and warning point: built once, not per update.
const prepared = new WeakMap<PostTradeLimits, { fraction: Ratio; limits: PreparedLimit[] }>();

function prepare(limits: PostTradeLimits, fraction: Ratio): PreparedLimit[] {
  const cached = prepared.get(limits);
  if (cached !== undefined && cached.fraction === fraction) return cached.limits;
  const list: PreparedLimit[] = [];
  for (const kind of LIMIT_KINDS) {
    const limit = limits.thresholds[kind];
    if (limit === undefined) continue;
    const threshold = ratioOf(limit);
    list.push({
      kind,
      limit,
      threshold,
      warnAt: multiply(threshold, fraction),
      action: limits.actions[kind],
    });
  }
  prepared.set(limits, { fraction, limits: list });
  return list;
}

/** Evaluates every limit the account has, in LIMIT_KINDS order. Pure and exact. */
export function evaluateLimits(
  limits: PostTradeLimits,
  snapshot: AccountRiskSnapshot,
  options: EvaluationOptions,
): LimitObservation[] {
  const out: LimitObservation[] = [];
  for (const p of prepare(limits, options.warningFraction)) {
    const observed = observedValue(p.kind, snapshot);
    if (observed === undefined) continue;
    out.push(
      new Observation(
        p.kind,
        observed,
        p.threshold,
        p.action,
        isBreach(p.kind, observed, p.threshold),
        compareRatio(observed, p.warnAt) >= 0,
        p.limit,
        snapshot,
      ),
    );
  }
  return out;
}

/** One breach in words, with the numbers (what goes into reasons, alerts and audit rows). */
export function describeObservation(observation: LimitObservation, currency: string): string {
  const unit = currency === '' ? '' : ` ${currency}`;
  switch (observation.kind) {
    case 'DAILY_LOSS':
      return `daily loss limit ${observation.thresholdText}${unit} breached: day PnL -${observation.observedText}${unit}`;
    case 'DRAWDOWN':
      return `drawdown limit ${observation.thresholdText}${unit} breached: drawdown ${observation.observedText}${unit} from the high-water mark`;
    case 'DRAWDOWN_PCT':
      return `drawdown limit ${observation.thresholdText}% breached: drawdown ${observation.observedText}% of the high-water mark`;
    case 'GROSS_EXPOSURE':
      return `gross exposure limit ${observation.thresholdText}${unit} exceeded: gross exposure ${observation.observedText}${unit}`;
  }
}
