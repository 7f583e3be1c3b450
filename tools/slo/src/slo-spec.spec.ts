import {
  type AlertingRule,
  burnRateAlert,
  burnThreshold,
  dashboardQueries,
  dashboards,
  errorBudget,
  expandingNotation,
  familyOf,
  METRICS,
  metricNames,
  recorded,
  ruleGroups,
  type RecordingRule,
  SCENARIOS,
  scenarioTestGroup,
  SERVICES,
  SLOS,
  ALERT_POLICIES,
  REPO_ROOT,
  type Slo,
} from './index';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';

const families = new Set(METRICS.map((m) => m.name));
const allRules = ruleGroups(SLOS).flatMap((g) => g.rules);
const recordingRules = allRules.filter((r): r is RecordingRule => 'record' in r);
const alertingRules = allRules.filter((r): r is AlertingRule => 'alert' in r);
const recordedNames = new Set(recordingRules.map((r) => r.record));
const sloNamed = (name: string): Slo => {
  const slo = SLOS.find((s) => s.name === name);
  if (slo === undefined) throw new Error(`no SLO ${name}`);
  return slo;
};

describe('the SLO spec', () => {
  it('names each SLO once, in kebab case, with an objective between 0 and 1', () => {
    expect(new Set(SLOS.map((s) => s.name)).size).toBe(SLOS.length);
    for (const slo of SLOS) {
      expect(slo.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(slo.objective).toBeGreaterThan(0);
      expect(slo.objective).toBeLessThan(1);
    }
  });

  it('covers the five SLOs of the design with their targets', () => {
    expect(Object.fromEntries(SLOS.map((s) => [s.name, s.objective]))).toEqual({
      'order-ack-latency': 0.99,
      'order-api-availability': 0.9995,
      'execution-latency': 0.99,
      'market-data-freshness': 0.99,
      'ingest-lag': 0.99,
    });
    expect(
      Object.fromEntries(
        SLOS.flatMap((s) => (s.sli.kind === 'latency' ? [[s.name, s.sli.threshold]] : [])),
      ),
    ).toEqual({
      'order-ack-latency': '0.01',
      'execution-latency': '0.05',
      'market-data-freshness': '2',
      'ingest-lag': '5',
    });
  });

  it('reads every SLI from a metric of the contract, latency thresholds being declared buckets', () => {
    const problems = SLOS.flatMap((slo) => {
      const { sli } = slo;
      const name = sli.kind === 'latency' ? sli.histogram : sli.counter;
      const metric = METRICS.find((m) => m.name === name);
      if (metric === undefined) return [`${slo.name}: ${name} is not in METRICS`];
      const found: string[] = [];
      const wanted = sli.kind === 'latency' ? 'histogram' : 'counter';
      if (metric.type !== wanted) found.push(`${slo.name}: ${name} is a ${metric.type}`);
      if (sli.kind === 'latency' && !(metric.sloBuckets ?? []).includes(sli.threshold))
        found.push(`${slo.name}: le=${sli.threshold} is not a declared bucket of ${name}`);
      const labels = [
        ...Object.keys(sli.matchers),
        ...(sli.kind === 'errors' ? [sli.badLabel] : []),
      ];
      for (const label of labels)
        if (!metric.labels.includes(label)) found.push(`${slo.name}: ${name} has no ${label}`);
      if (metric.source.kind === 'service' && !metric.source.services.includes(slo.service))
        found.push(`${slo.name}: ${slo.service} does not export ${name}`);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('declares each metric once', () => {
    expect(families.size).toBe(METRICS.length);
  });
});

describe('the generated rules', () => {
  it('record the error ratio of every SLO at 5m, 30m, 1h, 6h, 3d and 30d, and the budget left', () => {
    for (const slo of SLOS)
      for (const name of [
        ...(['5m', '30m', '1h', '6h', '3d', '30d'] as const).map((w) =>
          recorded.errorRatio(slo, w),
        ),
        recorded.budgetRemaining(slo),
      ])
        expect(recordedNames).toContain(name);
    expect(recorded.errorRatio(sloNamed('order-ack-latency'), '5m')).toBe(
      'sli:order_ack_latency_errors:ratio_rate5m',
    );
  });

  it('label every recorded series and alert with its SLO and service', () => {
    for (const rule of allRules) {
      expect(rule.labels['slo']).toMatch(/^[a-z-]+$/);
      expect(SERVICES).toContain(rule.labels['service']);
    }
  });

  it('read only metrics of the contract or series recorded by the rules', () => {
    for (const rule of allRules)
      for (const name of metricNames(rule.expr))
        expect([name, families.has(familyOf(name, families)) || recordedNames.has(name)]).toEqual([
          name,
          true,
        ]);
  });

  it('page on 1h/5m above 14.4x or 6h/30m above 6x, and ticket on 3d/6h above 1x', () => {
    const availability = sloNamed('order-api-availability');
    expect(errorBudget(availability)).toBe(0.0005);
    expect(burnThreshold(availability, 14.4)).toBe(0.0072);
    const page = burnRateAlert(
      availability,
      ALERT_POLICIES[0] ?? { severity: 'page', conditions: [] },
    );
    expect(page.labels).toEqual({
      severity: 'page',
      slo: 'order-api-availability',
      service: 'order-gateway',
    });
    expect(page.expr.replace(/\s+/g, ' ')).toBe(
      '( sli:order_api_availability_errors:ratio_rate1h > 0.0072 and sli:order_api_availability_errors:ratio_rate5m > 0.0072 ) or ' +
        '( sli:order_api_availability_errors:ratio_rate6h > 0.003 and sli:order_api_availability_errors:ratio_rate30m > 0.003 )',
    );
    const ticket = burnRateAlert(
      sloNamed('execution-latency'),
      ALERT_POLICIES[1] ?? { severity: 'ticket', conditions: [] },
    );
    expect(ticket.labels['severity']).toBe('ticket');
    expect(ticket.expr.replace(/\s+/g, ' ')).toBe(
      '( sli:execution_latency_errors:ratio_rate3d > 0.01 and sli:execution_latency_errors:ratio_rate6h > 0.01 )',
    );
  });

  it('give every alert a severity, a summary and a runbook under docs/runbooks/', () => {
    expect(alertingRules.length).toBe(SLOS.length * 2 + 1);
    for (const alert of alertingRules) {
      expect(['page', 'ticket']).toContain(alert.labels['severity']);
      expect(alert.annotations['summary']).toEqual(expect.any(String));
      expect(alert.annotations['runbook_url']).toBe(
        `docs/runbooks/slo-${alert.labels['slo'] ?? ''}.md`,
      );
      // Rules are embedded by Helm: template delimiters would be evaluated there.
      expect(JSON.stringify(alert)).not.toContain('{{');
    }
  });

  it('point to a runbook that exists (docs/runbooks/, or its draft in tools/slo/runbooks/)', () => {
    const missing = [...new Set(alertingRules.map((a) => a.annotations['runbook_url'] ?? ''))]
      .filter(
        (url) =>
          !existsSync(join(REPO_ROOT, url)) &&
          !existsSync(join(REPO_ROOT, 'tools/slo/runbooks', basename(url))),
      )
      .sort();
    expect(missing).toEqual([]);
  });

  it('count server-side gRPC codes as availability errors and client mistakes as good', () => {
    const ratio = recordingRules.find(
      (r) => r.record === 'sli:order_api_availability_errors:ratio_rate5m',
    );
    expect(ratio?.expr).toContain(
      'grpc_code=~"Unknown|Internal|Unavailable|DeadlineExceeded|DataLoss|Unimplemented"',
    );
    expect(ratio?.expr).not.toContain('InvalidArgument');
    // No server error yet must read 0, not "no data".
    expect(ratio?.expr).toContain('or vector(0)');
  });
});

describe('the rule test scenarios', () => {
  it('prove a page for a fast and a slow burn, a ticket for a 3-day burn, and quiet for the rest', () => {
    const meant = SCENARIOS.flatMap((s) =>
      s.checks.flatMap((c) => Object.entries(c.expect).map(([severity, e]) => `${severity}:${e}`)),
    );
    expect(new Set(meant)).toEqual(
      new Set(['page:fires', 'page:quiet', 'ticket:fires', 'ticket:quiet']),
    );
    // Every scenario is consistent with the policy for every SLO (generation throws otherwise).
    for (const slo of SLOS)
      for (const scenario of SCENARIOS)
        expect(scenarioTestGroup(slo, scenario).alert_rule_test.length).toBe(
          scenario.checks.length,
        );
  });

  it('refuse a scenario whose intent contradicts the policy', () => {
    expect(() =>
      scenarioTestGroup(sloNamed('order-ack-latency'), {
        name: 'a 10x burn is not a page',
        step: 1,
        phases: [
          { minutes: 360, burn: 0 },
          { minutes: 60, burn: 10 },
        ],
        checks: [{ at: 420, expect: { page: 'fires' } }],
      }),
    ).toThrow(/meant to be fires but the policy makes it stay quiet/);
  });

  it('refuse a check where a window sits on a threshold', () => {
    expect(() =>
      scenarioTestGroup(sloNamed('order-ack-latency'), {
        name: 'exactly 14.4x',
        step: 1,
        phases: [
          { minutes: 360, burn: 0 },
          { minutes: 60, burn: 14.4 },
        ],
        checks: [{ at: 420, expect: {} }],
      }),
    ).toThrow(/within 5% of the 14.4x threshold/);
  });

  it('write counters in promtool expanding notation', () => {
    expect(expandingNotation([0, 10, 20, 30, 40, 60, 80])).toBe('0+10x4 60+20x1');
    expect(expandingNotation([0, 0, 0])).toBe('0+0x2');
    expect(expandingNotation([5])).toBe('5');
  });
});

describe('metricNames', () => {
  it('finds selected metrics, skipping functions, labels, strings, ranges and keywords', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (grpc_method, le) (rate(grpc_server_handling_seconds_bucket{job=~"$job",grpc_type="unary"}[$__rate_interval])))',
      ),
    ).toEqual(['grpc_server_handling_seconds_bucket']);
    expect(
      metricNames(
        '(sum(rate(a_total{code=~"x|y"}[5m])) or vector(0)) / on (slo) group_left sum(b_total offset 5m) > bool 1e3',
      ),
    ).toEqual(['a_total', 'b_total']);
    expect(metricNames('1 - sli:x_errors:ratio_rate5m / 0.01')).toEqual([
      'sli:x_errors:ratio_rate5m',
    ]);
    expect(metricNames('sum(ALERTS{alertstate="firing",slo="a"}) or vector(0)')).toEqual([
      'ALERTS',
    ]);
  });

  it('maps histogram series to their family', () => {
    expect(familyOf('executor_command_latency_seconds_bucket', families)).toBe(
      'executor_command_latency_seconds',
    );
    expect(familyOf('unknown_bucket', families)).toBe('unknown_bucket');
  });
});

describe('the generated dashboards', () => {
  const generated = dashboards(SERVICES);

  it('are the SLO overview and one per service, with unique uids', () => {
    expect(generated.map((d) => d.file)).toEqual([
      'slo-overview.json',
      ...SERVICES.map((s) => `${s}.json`),
    ]);
    const uids = generated.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('take their data source from a template variable', () => {
    for (const { dashboard } of generated) {
      const variables = dashboard.templating?.list ?? [];
      expect(variables.find((v) => v.name === 'datasource')?.type).toBe('datasource');
      const panels = (dashboard.panels ?? []).filter((p): p is Panel => p.type !== 'row');
      expect(panels.length).toBeGreaterThan(0);
      for (const panel of panels) {
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        for (const target of (panel.targets ?? []) as { datasource?: unknown }[])
          expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });

  it('select service targets with a job variable', () => {
    for (const { dashboard, service } of generated.filter((d) => d.service !== undefined)) {
      const job = dashboard.templating?.list?.find((v) => v.name === 'job');
      expect(job?.query).toBe(`label_values(up{job=~".*${service ?? ''}.*"}, job)`);
      const ownSeries = dashboardQueries(dashboard)
        .map((q) => q.expr)
        .filter((expr) => !expr.includes('kafka_consumergroup_lag'));
      expect(ownSeries.length).toBeGreaterThan(0);
      for (const expr of ownSeries) expect(expr).toContain('job=~"$job"');
    }
  });

  it('show, per SLO, the SLI, budget left, burn rates per window and alerts firing', () => {
    const overview = generated[0]?.dashboard;
    const exprs = dashboardQueries(overview).map((q) => q.expr);
    for (const slo of SLOS) {
      expect(exprs).toContain(`1 - (${recorded.errorRatio(slo, '5m')})`);
      expect(exprs).toContain(recorded.budgetRemaining(slo));
      for (const w of ['5m', '30m', '1h', '6h', '3d'] as const)
        expect(exprs).toContain(`${recorded.errorRatio(slo, w)} / ${errorBudget(slo)}`);
      expect(exprs).toContain(`sum(ALERTS{alertstate="firing",slo="${slo.name}"}) or vector(0)`);
    }
  });

  it('query only metrics of the contract or series recorded by the rules', () => {
    for (const { dashboard } of generated)
      for (const { panel, expr } of dashboardQueries(dashboard))
        for (const name of metricNames(expr))
          expect([
            panel,
            name,
            families.has(familyOf(name, families)) || recordedNames.has(name),
          ]).toEqual([panel, name, true]);
  });

  it('show executor queue depth, Kafka consumers and feed health where they belong', () => {
    const exprsOf = (file: string) =>
      dashboardQueries(generated.find((d) => d.file === file)?.dashboard).map((q) => q.expr);
    expect(exprsOf('executor.json').join('\n')).toContain('executor_worker_queue_depth');
    expect(exprsOf('order-store.json').join('\n')).toContain('messaging_consumer_in_flight');
    expect(exprsOf('order-store.json').join('\n')).toContain('kafka_consumergroup_lag');
    expect(exprsOf('marketdata-ingestor.json').join('\n')).toContain(
      'marketdata_feed_active_source',
    );
    expect(exprsOf('tick-writer.json').join('\n')).toContain('tickwriter_ingest_lag_seconds');
  });
});
