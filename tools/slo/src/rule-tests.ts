/**
 * promtool unit tests of the burn-rate alerts, generated per SLO from scenarios of synthetic
 * traffic: a fast burn and a slow burn must page, a slow 3-day burn must open a ticket, and a
 * burn just under each threshold and a short blip must stay quiet.
 *
 * The expected alerts are not written by hand: a small model computes every window's error
 * ratio from the scenario and applies the policy. The model refuses a check time where a ratio
 * sits within 5 % of a threshold, so no test depends on how Prometheus extrapolates `rate()`
 * at the edges. Each scenario also states what it is meant to show (`expect`), and generation
 * fails when the model disagrees, so a policy change cannot silently turn a "fires" test quiet.
 *
 * Series start with the scenario, so a window longer than the data so far (3d in an hour-scale
 * scenario) sees only that data: a ticket may fire beside a page there, and the model expects it.
 */
import { ALERT_POLICIES } from './slos';
import {
  burnAlertName,
  burnRateAlert,
  burnThreshold,
  errorBudget,
  type AlertingRule,
  type RuleGroup,
} from './rules';
import type { AlertPolicy, GaugeAlert, Matchers, Severity, Slo, Window } from './slo.types';

/** A stretch of traffic: `minutes` long, bad events at `burn` × the budget rate. */
export interface Phase {
  readonly minutes: number;
  readonly burn: number;
}

export interface Check {
  /** Minutes after the start of the series. */
  readonly at: number;
  /** What the scenario is meant to show at this time, per severity. */
  readonly expect: Readonly<Partial<Record<Severity, 'fires' | 'quiet'>>>;
}

export interface Scenario {
  readonly name: string;
  /** Sample spacing and rule evaluation interval, in minutes. */
  readonly step: number;
  readonly phases: readonly Phase[];
  readonly checks: readonly Check[];
}

/** Rule evaluation interval (minutes) per sample step: burn-rate alerts have no `for`, so a check on the grid sees the alert state of that very evaluation. */
const EVALUATION_MINUTES: Readonly<Record<number, number>> = { 1: 5, 10: 60 };

/** Events per minute of the synthetic traffic. */
const TRAFFIC = 1000;
const HOUR = 60;
const DAY = 24 * HOUR;

const WINDOW_MINUTES: Record<Window, number> = {
  '5m': 5,
  '30m': 30,
  '1h': HOUR,
  '6h': 6 * HOUR,
  '3d': 3 * DAY,
};

/** The scenarios every SLO is tested with (burns relative to its own budget). */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'fast burn (20x) pages through the 1h/5m windows within an hour, not before 14.4x is reached',
    step: 1,
    phases: [
      { minutes: 6 * HOUR, burn: 0 },
      { minutes: HOUR, burn: 20 },
    ],
    checks: [
      { at: 6 * HOUR + 30, expect: { page: 'quiet' } },
      { at: 6 * HOUR + 50, expect: { page: 'fires' } },
    ],
  },
  {
    name: 'slow burn (8x) pages through the 6h/30m windows after about 4.5 hours',
    step: 1,
    phases: [
      { minutes: 6 * HOUR, burn: 0 },
      { minutes: 6 * HOUR, burn: 8 },
    ],
    checks: [
      { at: 10 * HOUR, expect: { page: 'quiet' } },
      { at: 11 * HOUR, expect: { page: 'fires' } },
    ],
  },
  {
    name: 'a burn just under 14.4x for an hour does not page',
    step: 1,
    phases: [
      { minutes: 6 * HOUR, burn: 0 },
      { minutes: HOUR, burn: 13.5 },
    ],
    checks: [{ at: 7 * HOUR, expect: { page: 'quiet' } }],
  },
  {
    name: 'a burn just under 6x for six hours does not page',
    step: 1,
    phases: [
      { minutes: 6 * HOUR, burn: 0 },
      { minutes: 6 * HOUR, burn: 5.6 },
    ],
    checks: [
      { at: 9 * HOUR, expect: { page: 'quiet' } },
      { at: 12 * HOUR, expect: { page: 'quiet' } },
    ],
  },
  {
    name: 'a 10-minute blip at 50x trips the short windows only: no page',
    step: 1,
    phases: [
      { minutes: 6 * HOUR, burn: 0 },
      { minutes: 10, burn: 50 },
      { minutes: 30, burn: 0 },
    ],
    checks: [
      { at: 6 * HOUR + 5, expect: { page: 'quiet' } },
      { at: 6 * HOUR + 10, expect: { page: 'quiet' } },
      { at: 6 * HOUR + 20, expect: { page: 'quiet' } },
    ],
  },
  {
    name: 'slow burn (2x) over days opens a ticket through the 3d/6h windows, never a page',
    step: 10,
    phases: [
      { minutes: 3 * DAY, burn: 0 },
      { minutes: 2 * DAY, burn: 2 },
    ],
    checks: [
      { at: 4 * DAY, expect: { ticket: 'quiet', page: 'quiet' } },
      { at: 5 * DAY, expect: { ticket: 'fires', page: 'quiet' } },
    ],
  },
  {
    name: 'an hour at 20x after three quiet days spends 2.8% of the budget: no ticket',
    step: 10,
    phases: [
      { minutes: 3 * DAY, burn: 0 },
      { minutes: HOUR, burn: 20 },
      { minutes: 6 * HOUR, burn: 0 },
    ],
    checks: [
      { at: 3 * DAY + HOUR, expect: { ticket: 'quiet' } },
      { at: 3 * DAY + 4 * HOUR, expect: { ticket: 'quiet' } },
    ],
  },
  {
    name: 'a burn just under 1x for three days opens no ticket',
    step: 10,
    phases: [
      { minutes: 3 * DAY, burn: 0 },
      { minutes: 3 * DAY, burn: 0.9 },
    ],
    checks: [{ at: 6 * DAY, expect: { ticket: 'quiet', page: 'quiet' } }],
  },
];

/** Cumulative [total, bad] events at every sample of a scenario (sample i at minute i·step). */
function cumulative(scenario: Scenario, budget: number): { total: number[]; bad: number[] } {
  const total = [0];
  const bad = [0];
  for (const phase of scenario.phases) {
    if (phase.minutes % scenario.step !== 0)
      throw new Error(`${scenario.name}: phase of ${phase.minutes} min is not whole steps`);
    for (let i = 0; i < phase.minutes / scenario.step; i++) {
      total.push((total.at(-1) ?? 0) + TRAFFIC * scenario.step);
      bad.push((bad.at(-1) ?? 0) + tidyCount(TRAFFIC * scenario.step * phase.burn * budget));
    }
  }
  return { total, bad };
}

const tidyCount = (n: number): number => Number(n.toPrecision(12));

/**
 * Error ratio over `window` at minute `at`, from the samples inside [at − window, at]; undefined
 * when fewer than two samples (Prometheus returns nothing then).
 */
function modelRatio(
  series: { total: number[]; bad: number[] },
  step: number,
  at: number,
  window: Window,
): number | undefined {
  const last = at / step;
  const first = Math.max(0, Math.ceil((at - WINDOW_MINUTES[window]) / step));
  if (last - first < 1) return undefined;
  const total = (series.total[last] ?? 0) - (series.total[first] ?? 0);
  const bad = (series.bad[last] ?? 0) - (series.bad[first] ?? 0);
  return total === 0 ? undefined : bad / total;
}

/** Whether `policy` fires for `slo` at minute `at` according to the model. */
function modelFires(
  slo: Slo,
  policy: AlertPolicy,
  series: { total: number[]; bad: number[] },
  scenario: Scenario,
  at: number,
): boolean {
  return policy.conditions.some((condition) => {
    const threshold = burnThreshold(slo, condition.factor);
    return [condition.long, condition.short].every((window) => {
      const ratio = modelRatio(series, scenario.step, at, window);
      if (ratio === undefined) return false;
      if (Math.abs(ratio - threshold) < 0.05 * threshold)
        throw new Error(
          `scenario "${scenario.name}" at ${at} min: the ${window} ratio ${ratio} is within 5% of the ${condition.factor}x threshold ${threshold}; move the check`,
        );
      return ratio > threshold;
    });
  });
}

/** `{a="x"}` → `{ a: 'x' }`: synthetic series need concrete values (equality matchers only). */
function concreteLabels(matchers: Matchers): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [label, matcher] of Object.entries(matchers)) {
    const match = /^="(.*)"$/.exec(matcher);
    if (match === null)
      throw new Error(`rule tests need equality matchers, got ${label}${matcher}`);
    labels[label] = match[1] ?? '';
  }
  return labels;
}

const seriesName = (metric: string, labels: Record<string, string>): string => {
  const keys = Object.keys(labels).sort();
  return keys.length === 0
    ? metric
    : `${metric}{${keys.map((k) => `${k}="${labels[k] ?? ''}"`).join(', ')}}`;
};

/** promtool's expanding notation for exact cumulative values: `a+bxn` runs where steps repeat. */
export function expandingNotation(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const start = values[i] ?? 0;
    const next = values[i + 1];
    if (next === undefined) {
      parts.push(String(start));
      break;
    }
    const delta = tidyCount(next - start);
    let n = 1;
    while (
      i + n + 1 < values.length &&
      tidyCount((values[i + n + 1] ?? 0) - (values[i + n] ?? 0)) === delta
    )
      n++;
    parts.push(`${start}+${delta}x${n}`);
    i += n + 1;
  }
  return parts.join(' ');
}

interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** The synthetic series an SLI reads: good + bad events of the same traffic. */
function inputSeries(slo: Slo, series: { total: number[]; bad: number[] }): InputSeries[] {
  const { sli } = slo;
  const good = series.total.map((t, i) => tidyCount(t - (series.bad[i] ?? 0)));
  if (sli.kind === 'latency') {
    const labels = concreteLabels(sli.matchers);
    return [
      {
        series: seriesName(`${sli.histogram}_bucket`, { ...labels, le: sli.threshold }),
        values: expandingNotation(good),
      },
      {
        series: seriesName(`${sli.histogram}_bucket`, { ...labels, le: '+Inf' }),
        values: expandingNotation(series.total),
      },
      {
        series: seriesName(`${sli.histogram}_count`, labels),
        values: expandingNotation(series.total),
      },
    ];
  }
  const labels = concreteLabels(sli.matchers);
  const badValue = sli.badValues[0];
  if (badValue === undefined) throw new Error(`${slo.name}: no bad values`);
  return [
    {
      series: seriesName(sli.counter, { ...labels, [sli.badLabel]: sli.goodValue }),
      values: expandingNotation(good),
    },
    {
      series: seriesName(sli.counter, { ...labels, [sli.badLabel]: badValue }),
      values: expandingNotation(series.bad),
    },
  ];
}

const minutes = (m: number): string => (m % 60 === 0 ? `${m / 60}h` : `${m}m`);

interface ExpectedAlert {
  readonly exp_labels: Readonly<Record<string, string>>;
  readonly exp_annotations: Readonly<Record<string, string>>;
}

interface AlertRuleTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly ExpectedAlert[];
}

export interface PromtoolTestGroup {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly InputSeries[];
  readonly alert_rule_test: readonly AlertRuleTest[];
}

export interface PromtoolTestFile {
  readonly rule_files: readonly string[];
  readonly evaluation_interval: string;
  readonly tests: readonly PromtoolTestGroup[];
}

const expected = (rule: AlertingRule, extra: Record<string, string> = {}): ExpectedAlert => ({
  exp_labels: { ...rule.labels, ...extra },
  exp_annotations: rule.annotations,
});

/** The promtool test group of one scenario for one SLO (throws when the policy contradicts what the scenario means to show). */
export function scenarioTestGroup(slo: Slo, scenario: Scenario): PromtoolTestGroup {
  const series = cumulative(scenario, errorBudget(slo));
  const tests: AlertRuleTest[] = [];
  for (const check of scenario.checks) {
    const firing = ALERT_POLICIES.filter((policy) => {
      const fires = modelFires(slo, policy, series, scenario, check.at);
      const meant = check.expect[policy.severity];
      if (meant !== undefined && (meant === 'fires') !== fires)
        throw new Error(
          `scenario "${scenario.name}" at ${check.at} min: the ${policy.severity} alert is meant to be ${meant} but the policy makes it ${fires ? 'fire' : 'stay quiet'}`,
        );
      return fires;
    });
    tests.push({
      eval_time: minutes(check.at),
      alertname: burnAlertName(slo),
      exp_alerts: firing.map((policy) => expected(burnRateAlert(slo, policy))),
    });
  }
  return {
    name: `${slo.name}: ${scenario.name}`,
    interval: `${scenario.step}m`,
    input_series: inputSeries(slo, series),
    alert_rule_test: tests,
  };
}

/** Gauge alerts (tick age): quiet while fresh, pending during `for`, firing after it. */
function gaugeGroup(slo: Slo, gauge: GaugeAlert, rules: readonly RuleGroup[]): PromtoolTestGroup {
  const rule = rules
    .flatMap((g) => g.rules)
    .find((r): r is AlertingRule => 'alert' in r && r.alert === gauge.alert);
  if (rule === undefined) throw new Error(`no rule for ${gauge.alert}`);
  const forMinutes = Number(/^(\d+)m$/.exec(gauge.for)?.[1] ?? NaN);
  if (!Number.isInteger(forMinutes)) throw new Error(`${gauge.alert}: for must be whole minutes`);
  // Stale from minute 11 on; rules run every `every` minutes.
  const every = EVALUATION_MINUTES[1] ?? 1;
  const firstStale = Math.ceil(11 / every) * every;
  const fresh = gauge.threshold / 2;
  const stale = gauge.threshold * 3;
  const labelled = (value: string) => Object.fromEntries(gauge.by.map((label) => [label, value]));
  return {
    name: `${slo.name}: ${gauge.alert} fires for a stale ${gauge.by.join('/')} after ${gauge.for}, not for a fresh one`,
    interval: '1m',
    input_series: [
      {
        series: seriesName(gauge.gauge, labelled('STALE')),
        values: `${fresh}x10 ${stale}x20`,
      },
      { series: seriesName(gauge.gauge, labelled('FRESH')), values: `${fresh}x30` },
    ],
    alert_rule_test: [
      { eval_time: minutes(firstStale - every), alertname: gauge.alert, exp_alerts: [] },
      // The first evaluation that sees it stale makes the alert pending: no alert yet.
      { eval_time: minutes(firstStale), alertname: gauge.alert, exp_alerts: [] },
      {
        eval_time: minutes(firstStale + Math.ceil(forMinutes / every) * every),
        alertname: gauge.alert,
        exp_alerts: [expected(rule, labelled('STALE'))],
      },
    ],
  };
}

/**
 * The promtool test files of one SLO by file name (`ruleFile` relative to tools/slo/tests/):
 * `<slo>.test.yaml` for the hour-scale scenarios (1-minute samples, rules evaluated every
 * 5 minutes) and `<slo>.days.test.yaml` for the day-scale ones (10-minute samples, hourly
 * evaluation). promtool evaluates every rule at every interval up to the last check, so the
 * interval is what keeps six simulated days fast.
 */
export function ruleTestFiles(
  slo: Slo,
  rules: readonly RuleGroup[],
  ruleFile: string,
): Record<string, PromtoolTestFile> {
  const ofStep = (step: number) =>
    SCENARIOS.filter((s) => s.step === step).map((scenario) => {
      const every = EVALUATION_MINUTES[step];
      if (every === undefined) throw new Error(`no evaluation interval for ${step}-minute samples`);
      for (const check of scenario.checks)
        if (check.at % every !== 0)
          throw new Error(
            `scenario "${scenario.name}": check at ${check.at} min is off the ${every}-minute evaluation grid`,
          );
      return scenarioTestGroup(slo, scenario);
    });
  const steps = [...new Set(SCENARIOS.map((s) => s.step))].sort((a, b) => a - b);
  if (steps.join() !== '1,10')
    throw new Error(`scenario steps must be 1 and 10 min, got ${steps.join()}`);
  return {
    [`${slo.name}.test.yaml`]: {
      rule_files: [ruleFile],
      evaluation_interval: `${EVALUATION_MINUTES[1]}m`,
      tests: [
        ...ofStep(1),
        ...(slo.gaugeAlerts ?? []).map((gauge) => gaugeGroup(slo, gauge, rules)),
      ],
    },
    [`${slo.name}.days.test.yaml`]: {
      rule_files: [ruleFile],
      evaluation_interval: `${EVALUATION_MINUTES[10]}m`,
      tests: ofStep(10),
    },
  };
}
