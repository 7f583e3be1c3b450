/**
 * The Prometheus rules of the SLOs: per SLO one rule group with the SLI error ratios at every
 * alert window, the 30-day ratio and error budget, and the multi-window multi-burn-rate alerts.
 */
import { ALERT_POLICIES, RUNBOOK_PREFIX, SLO_WINDOW } from './slos';
import type {
  AlertPolicy,
  BurnRateCondition,
  GaugeAlert,
  Matchers,
  Severity,
  Slo,
  Window,
} from './slo.types';
import { WINDOWS } from './slo.types';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** `order-ack-latency` → `order_ack_latency` (metric names cannot hold dashes). */
export const snake = (name: string): string => name.replaceAll('-', '_');
/** `order-ack-latency` → `OrderAckLatency`. */
export const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** Rounds away binary noise (1 - 0.9995 = 0.0005000000000000004) for rule text and tests. */
export const tidy = (value: number): number => Number(value.toPrecision(12));

/** The error budget: the share of events allowed to be bad. */
export const errorBudget = (slo: Slo): number => tidy(1 - slo.objective);

/** Names of the series recorded for one SLO. */
export const recorded = {
  /** Bad events / all events over `window` (the SLI's error ratio). */
  errorRatio: (slo: Slo, window: Window | typeof SLO_WINDOW): string =>
    `sli:${snake(slo.name)}_errors:ratio_rate${window}`,
  /** All events per second over 5 minutes (summed over 30 days for the budget). */
  events: (slo: Slo): string => `sli:${snake(slo.name)}_events:rate5m`,
  /** Bad events per second over 5 minutes. */
  badEvents: (slo: Slo): string => `sli:${snake(slo.name)}_bad_events:rate5m`,
  /** 1 − (30-day error ratio ÷ budget): 1 = untouched, 0 = spent, < 0 = overspent. */
  budgetRemaining: (slo: Slo): string => `slo:${snake(slo.name)}_error_budget_remaining:ratio`,
} as const;

/** The alert name of an SLO's burn-rate alerts (both severities share it; `severity` tells them apart). */
export const burnAlertName = (slo: Slo): string => `${pascal(slo.name)}ErrorBudgetBurn`;

export const runbookUrl = (slo: Slo): string => `${RUNBOOK_PREFIX}${slo.name}.md`;

/** `{a="x",b=~"y"}` from matchers (operators included in the values), `` when empty. */
export function selector(matchers: Matchers, extra: Matchers = {}): string {
  const all = { ...matchers, ...extra };
  const parts = Object.keys(all)
    .sort()
    .map((label) => `${label}${all[label] ?? ''}`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Anchored regex alternatives for a `=~` matcher. */
const alternatives = (values: readonly string[]): string =>
  `=~"${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|')}"`;

/** PromQL of the per-second rate of all events of the SLI over `range`. */
export function eventsRate(slo: Slo, range: string): string {
  const { sli } = slo;
  if (sli.kind === 'latency')
    return `sum(rate(${sli.histogram}_count${selector(sli.matchers)}[${range}]))`;
  return `sum(rate(${sli.counter}${selector(sli.matchers)}[${range}]))`;
}

/**
 * PromQL of the per-second rate of bad events over `range`. For an errors SLI the bad series
 * may not exist yet (no error since the process started): `or vector(0)` keeps the ratio 0
 * rather than empty.
 */
export function badEventsRate(slo: Slo, range: string): string {
  const { sli } = slo;
  if (sli.kind === 'latency') {
    const good = `sum(rate(${sli.histogram}_bucket${selector(sli.matchers, { le: `="${sli.threshold}"` })}[${range}]))`;
    return `(${eventsRate(slo, range)} - ${good})`;
  }
  const bad = `sum(rate(${sli.counter}${selector(sli.matchers, { [sli.badLabel]: alternatives(sli.badValues) })}[${range}]))`;
  return `(${bad} or vector(0))`;
}

function sloLabels(slo: Slo): Record<string, string> {
  return { slo: slo.name, service: slo.service };
}

function recordingRules(slo: Slo): RecordingRule[] {
  const labels = sloLabels(slo);
  const rules: RecordingRule[] = WINDOWS.map((window) => ({
    record: recorded.errorRatio(slo, window),
    expr: `${badEventsRate(slo, window)}\n/\n${eventsRate(slo, window)}`,
    labels,
  }));
  // The 30-day ratio from 5-minute rates summed over the window: weighted by events (a quiet
  // night counts little) and never NaN because of an idle 5 minutes, unlike an average of ratios.
  rules.push(
    { record: recorded.events(slo), expr: eventsRate(slo, '5m'), labels },
    { record: recorded.badEvents(slo), expr: badEventsRate(slo, '5m'), labels },
    {
      record: recorded.errorRatio(slo, SLO_WINDOW),
      expr: `sum_over_time(${recorded.badEvents(slo)}[${SLO_WINDOW}])\n/\nsum_over_time(${recorded.events(slo)}[${SLO_WINDOW}])`,
      labels,
    },
    {
      record: recorded.budgetRemaining(slo),
      expr: `1 - ${recorded.errorRatio(slo, SLO_WINDOW)} / ${errorBudget(slo)}`,
      labels,
    },
  );
  return rules;
}

/** The threshold an error ratio must exceed for `factor` × the budget burn rate. */
export const burnThreshold = (slo: Slo, factor: number): number => tidy(factor * errorBudget(slo));

function conditionExpr(slo: Slo, condition: BurnRateCondition): string {
  const threshold = burnThreshold(slo, condition.factor);
  return (
    `(\n  ${recorded.errorRatio(slo, condition.long)} > ${threshold}\nand\n` +
    `  ${recorded.errorRatio(slo, condition.short)} > ${threshold}\n)`
  );
}

const describeCondition = (c: BurnRateCondition): string =>
  `${c.long} and ${c.short} burn rates above ${c.factor}x`;

/** What each severity means to whoever receives it. */
const SEVERITY_TEXT: Record<Severity, string> = {
  page: 'the error budget is burning fast enough to be gone within days: act now',
  ticket: 'the error budget is burning faster than it refills: fix within days',
};

export function burnRateAlert(slo: Slo, policy: AlertPolicy): AlertingRule {
  const budget = errorBudget(slo);
  return {
    alert: burnAlertName(slo),
    expr: policy.conditions.map((c) => conditionExpr(slo, c)).join('\nor\n'),
    labels: { severity: policy.severity, ...sloLabels(slo) },
    annotations: {
      summary: `${slo.title} SLO: ${SEVERITY_TEXT[policy.severity]}`,
      description:
        `${slo.description} Error budget ${tidy(budget * 100)}% over ${SLO_WINDOW}. ` +
        `Fires on ${policy.conditions.map(describeCondition).join(', or ')}.`,
      runbook_url: runbookUrl(slo),
    },
  };
}

function gaugeAlert(slo: Slo, gauge: GaugeAlert): AlertingRule {
  return {
    alert: gauge.alert,
    expr: `max by (${gauge.by.join(', ')}) (${gauge.gauge}) > ${gauge.threshold}`,
    for: gauge.for,
    labels: { severity: gauge.severity, ...sloLabels(slo) },
    annotations: {
      summary: gauge.summary,
      description: `${gauge.gauge} above ${gauge.threshold} for ${gauge.for} (${slo.title} SLO).`,
      runbook_url: runbookUrl(slo),
    },
  };
}

/** One rule group per SLO: recording rules first (a group evaluates in order), then alerts. */
export function ruleGroups(slos: readonly Slo[]): RuleGroup[] {
  return slos.map((slo) => ({
    name: `slo-${slo.name}`,
    rules: [
      ...recordingRules(slo),
      ...ALERT_POLICIES.map((policy) => burnRateAlert(slo, policy)),
      ...(slo.gaugeAlerts ?? []).map((g) => gaugeAlert(slo, g)),
    ],
  }));
}
