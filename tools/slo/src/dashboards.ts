/**
 * Grafana dashboards as code (@grafana/grafana-foundation-sdk): the SLO overview and one
 * dashboard per service. The data source is a template variable, so the same JSON works in every
 * region; per-service dashboards select their targets with a `job` variable (jobs whose name
 * contains the service name), so they do not depend on how the chart names its ServiceMonitors.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { ALERT_POLICIES, METRICS, SERVER_ERROR_CODES, SLO_WINDOW, SLOS } from './slos';
import { errorBudget, recorded } from './rules';
import { type ServiceName, type Slo, WINDOWS } from './slo.types';

/** Every panel's data source: the `datasource` variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const RATE = '$__rate_interval';
const JOB = 'job=~"$job"';
const ORDER_SERVICE = 'grpc_service="meridian.orders.v1.OrderService"';

/** A dashboard and the service it shows (undefined for the SLO overview). */
export interface GeneratedDashboard {
  /** File name under charts/meridian/files/dashboards/. */
  readonly file: string;
  readonly service: ServiceName | undefined;
  readonly dashboard: Dashboard;
}

interface Query {
  readonly expr: string;
  readonly legend: string;
}

const q = (expr: string, legend = ''): Query => ({ expr, legend });

function targets(queries: readonly Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((query, i) =>
    new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + i))
      .expr(query.expr)
      .legendFormat(query.legend === '' ? '__auto' : query.legend)
      .range(),
  );
}

interface PanelOptions {
  readonly unit?: string;
  readonly width?: number;
  readonly height?: number;
  readonly description?: string;
  readonly min?: number;
}

function timeseries(title: string, queries: readonly Query[], options: PanelOptions = {}) {
  const panel = new TimeseriesPanelBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .unit(options.unit ?? 'short')
    .span(options.width ?? 8)
    .height(options.height ?? 8)
    .targets(targets(queries));
  if (options.description !== undefined) panel.description(options.description);
  if (options.min !== undefined) panel.min(options.min);
  return panel;
}

function stat(
  title: string,
  query: Query,
  options: PanelOptions & { readonly steps?: { value: number | null; color: string }[] } = {},
) {
  const panel = new StatPanelBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .unit(options.unit ?? 'short')
    .span(options.width ?? 4)
    .height(options.height ?? 5)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .targets(targets([query]));
  if (options.description !== undefined) panel.description(options.description);
  if (options.steps !== undefined)
    panel.thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(options.steps),
    );
  return panel;
}

function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/** Jobs whose name contains the service name (`meridian-order-gateway`, `order-gateway`...). */
function jobVariable(service: ServiceName): QueryVariableBuilder {
  return new QueryVariableBuilder('job')
    .label('Job')
    .datasource(DATASOURCE)
    .query(`label_values(up{job=~".*${service}.*"}, job)`)
    .definition(`label_values(up{job=~".*${service}.*"}, job)`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' });
}

function baseDashboard(uid: string, title: string, tags: string[]): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .tags(['meridian', ...tags])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .withVariable(datasourceVariable());
}

const percentOk = (ratio: string): string => `1 - (${ratio})`;

// ---------------------------------------------------------------------------------------------
// SLO overview

function sloRow(slo: Slo, builder: DashboardBuilder): void {
  const budget = errorBudget(slo);
  const objectiveSteps = [
    { value: null, color: 'red' },
    { value: slo.objective, color: 'green' },
  ];
  builder.withRow(new RowBuilder(`${slo.title} — ${slo.objective * 100}% (${slo.service})`));
  builder
    .withPanel(
      stat('SLI now (5m)', q(percentOk(recorded.errorRatio(slo, '5m')), 'SLI'), {
        unit: 'percentunit',
        description: slo.description,
        steps: objectiveSteps,
      }),
    )
    .withPanel(
      stat(`SLI (${SLO_WINDOW})`, q(percentOk(recorded.errorRatio(slo, SLO_WINDOW)), 'SLI'), {
        unit: 'percentunit',
        steps: objectiveSteps,
      }),
    )
    .withPanel(
      stat(
        `Error budget remaining (${SLO_WINDOW})`,
        q(recorded.budgetRemaining(slo), 'remaining'),
        {
          unit: 'percentunit',
          description: `Budget: ${budget * 100}% of events may be bad over ${SLO_WINDOW}.`,
          steps: [
            { value: null, color: 'red' },
            { value: 0, color: 'orange' },
            { value: 0.25, color: 'green' },
          ],
        },
      ),
    )
    .withPanel(
      stat(
        'Alerts firing',
        q(`sum(ALERTS{alertstate="firing",slo="${slo.name}"}) or vector(0)`, 'firing'),
        {
          description: `Burn-rate alerts: ${ALERT_POLICIES.map((p) => `${p.severity} on ${p.conditions.map((c) => `${c.long}/${c.short} > ${c.factor}x`).join(' or ')}`).join('; ')}.`,
          steps: [
            { value: null, color: 'green' },
            { value: 1, color: 'red' },
          ],
          width: 8,
        },
      ),
    )
    .withPanel(
      timeseries(
        'Burn rate per window',
        WINDOWS.map((w) => q(`${recorded.errorRatio(slo, w)} / ${budget}`, w)),
        {
          width: 12,
          description:
            '1 = spending the budget exactly over the window; page at 14.4 (1h/5m) or 6 (6h/30m), ticket at 1 (3d/6h).',
          min: 0,
        },
      ),
    )
    .withPanel(
      timeseries(
        `Error budget remaining (${SLO_WINDOW})`,
        [q(recorded.budgetRemaining(slo), 'remaining')],
        { unit: 'percentunit', width: 12 },
      ),
    );
}

function sloOverview(): GeneratedDashboard {
  const builder = baseDashboard('meridian-slo-overview', 'Meridian / SLO overview', ['slo'])
    .description(
      'Per SLO: the SLI now and over 30 days, the error budget left, burn rates per alert window and the burn-rate alerts firing. Generated by tools/slo from tools/slo/src/slos.ts.',
    )
    .time({ from: 'now-7d', to: 'now' });
  for (const slo of SLOS) sloRow(slo, builder);
  return { file: 'slo-overview.json', service: undefined, dashboard: builder.build() };
}

// ---------------------------------------------------------------------------------------------
// Per-service dashboards

function consumesKafka(service: ServiceName): boolean {
  return METRICS.some(
    (m) =>
      m.name === 'messaging_consumer_handled_total' &&
      m.source.kind === 'kafka-consumers' &&
      m.source.services.includes(service),
  );
}

function producesKafka(service: ServiceName): boolean {
  return METRICS.some(
    (m) =>
      m.name === 'messaging_producer_send_requests_total' &&
      m.source.kind === 'service' &&
      m.source.services.includes(service),
  );
}

const p99 = (histogram: string, by: string[] = [], filter = JOB): string =>
  `histogram_quantile(0.99, sum by (${[...by, 'le'].join(', ')}) (rate(${histogram}_bucket{${filter}}[${RATE}])))`;
const p50 = (histogram: string, by: string[] = [], filter = JOB): string =>
  `histogram_quantile(0.5, sum by (${[...by, 'le'].join(', ')}) (rate(${histogram}_bucket{${filter}}[${RATE}])))`;
/** Share of observations at or under `le` (an exact bucket bound). */
const shareUnder = (histogram: string, le: string, filter = JOB): string =>
  `sum(rate(${histogram}_bucket{${filter},le="${le}"}[${RATE}])) / sum(rate(${histogram}_count{${filter}}[${RATE}]))`;

function kafkaRows(service: ServiceName, builder: DashboardBuilder): void {
  if (consumesKafka(service)) {
    builder
      .withRow(new RowBuilder('Kafka consumers'))
      .withPanel(
        timeseries('Records handled / s', [
          q(
            `sum by (topic, group) (rate(messaging_consumer_handled_total{${JOB}}[${RATE}]))`,
            '{{topic}} ({{group}})',
          ),
        ]),
      )
      .withPanel(
        timeseries('In flight', [
          q(
            `sum by (topic, group) (messaging_consumer_in_flight{${JOB}})`,
            '{{topic}} ({{group}})',
          ),
        ]),
      )
      .withPanel(
        timeseries('Dead-lettered, retried, paused / s', [
          q(
            `sum by (topic) (rate(messaging_consumer_dead_lettered_total{${JOB}}[${RATE}]))`,
            'DLQ {{topic}}',
          ),
          q(
            `sum by (topic) (rate(messaging_consumer_retries_total{${JOB}}[${RATE}]))`,
            'retried {{topic}}',
          ),
          q(
            `sum by (topic) (rate(messaging_consumer_backpressure_pauses_total{${JOB}}[${RATE}]))`,
            'back-pressure pauses {{topic}}',
          ),
        ]),
      )
      .withPanel(
        timeseries(
          'Consumer lag (records)',
          [
            q(
              `sum by (consumergroup, topic) (kafka_consumergroup_lag{consumergroup=~"$group"})`,
              '{{topic}} ({{consumergroup}})',
            ),
          ],
          {
            width: 24,
            description:
              'From the cluster Kafka exporter (Strimzi): records between the committed offset and the log end.',
          },
        ),
      );
  }
  if (producesKafka(service)) {
    builder
      .withRow(new RowBuilder('Kafka producer'))
      .withPanel(
        timeseries(
          'Sends / s by outcome',
          [
            q(
              `sum by (topic, outcome) (rate(messaging_producer_send_requests_total{${JOB}}[${RATE}]))`,
              '{{topic}} {{outcome}}',
            ),
          ],
          { width: 12 },
        ),
      )
      .withPanel(
        timeseries(
          'Send latency p99 (acks=all)',
          [q(p99('messaging_producer_send_duration_seconds', ['topic']), '{{topic}}')],
          { unit: 's', width: 12 },
        ),
      );
  }
}

function processRow(builder: DashboardBuilder): void {
  builder
    .withRow(new RowBuilder('Process'))
    .withPanel(timeseries('Targets up', [q(`up{${JOB}}`, '{{instance}}')], { width: 6, min: 0 }))
    .withPanel(
      timeseries(
        'CPU (cores)',
        [q(`rate(process_cpu_seconds_total{${JOB}}[${RATE}])`, '{{instance}}')],
        { width: 6 },
      ),
    )
    .withPanel(
      timeseries(
        'Resident memory / heap used',
        [
          q(`process_resident_memory_bytes{${JOB}}`, 'rss {{instance}}'),
          q(`nodejs_heap_size_used_bytes{${JOB}}`, 'heap {{instance}}'),
        ],
        { unit: 'bytes', width: 6 },
      ),
    )
    .withPanel(
      timeseries(
        'Event-loop lag p99',
        [q(`nodejs_eventloop_lag_p99_seconds{${JOB}}`, '{{instance}}')],
        { unit: 's', width: 6 },
      ),
    );
}

function orderGatewayPanels(builder: DashboardBuilder): void {
  const handled = `grpc_server_handled_total{${JOB},${ORDER_SERVICE}}`;
  builder
    .withRow(new RowBuilder('OrderService (RED)'))
    .withPanel(
      timeseries('Requests / s by method', [
        q(`sum by (grpc_method) (rate(${handled}[${RATE}]))`, '{{grpc_method}}'),
      ]),
    )
    .withPanel(
      timeseries(
        'Server-error ratio by method',
        [
          // 1 − good/all rather than bad/all: 0 (not "no data") while nothing fails.
          q(
            `1 - (sum by (grpc_method) (rate(grpc_server_handled_total{${JOB},${ORDER_SERVICE},grpc_code!~"${SERVER_ERROR_CODES.join('|')}"}[${RATE}])) / sum by (grpc_method) (rate(${handled}[${RATE}])))`,
            '{{grpc_method}}',
          ),
        ],
        {
          unit: 'percentunit',
          description: `Codes counted as server errors (the availability SLO): ${SERVER_ERROR_CODES.join(', ')}.`,
          min: 0,
        },
      ),
    )
    .withPanel(
      timeseries('Responses / s by code', [
        q(`sum by (grpc_code) (rate(${handled}[${RATE}]))`, '{{grpc_code}}'),
      ]),
    )
    .withPanel(
      timeseries(
        'Unary latency p99 / p50 by method',
        [
          q(
            p99(
              'grpc_server_handling_seconds',
              ['grpc_method'],
              `${JOB},${ORDER_SERVICE},grpc_type="unary"`,
            ),
            'p99 {{grpc_method}}',
          ),
          q(
            p50(
              'grpc_server_handling_seconds',
              ['grpc_method'],
              `${JOB},${ORDER_SERVICE},grpc_type="unary"`,
            ),
            'p50 {{grpc_method}}',
          ),
        ],
        { unit: 's', width: 12 },
      ),
    )
    .withPanel(
      timeseries(
        'SubmitOrder acked under 10 ms',
        [
          q(
            shareUnder(
              'grpc_server_handling_seconds',
              '0.01',
              `${JOB},${ORDER_SERVICE},grpc_method="SubmitOrder"`,
            ),
            'under 10 ms',
          ),
        ],
        {
          unit: 'percentunit',
          width: 12,
          description: 'The order ack latency SLI (objective 99%).',
        },
      ),
    )
    .withPanel(
      timeseries(
        'Open execution-report streams',
        [
          q(
            `sum(grpc_server_started_total{${JOB},${ORDER_SERVICE},grpc_type="server_stream"}) - sum(grpc_server_handled_total{${JOB},${ORDER_SERVICE},grpc_type="server_stream"})`,
            'open streams',
          ),
        ],
        { width: 12 },
      ),
    )
    .withPanel(
      timeseries(
        'Stream messages sent / s',
        [
          q(
            `sum by (grpc_method) (rate(grpc_server_msg_sent_total{${JOB},${ORDER_SERVICE}}[${RATE}]))`,
            '{{grpc_method}}',
          ),
        ],
        { width: 12 },
      ),
    );
}

/** RED of one gRPC service (any server exporting the go-grpc-prometheus names). */
function grpcRedRows(grpcService: string, builder: DashboardBuilder): void {
  const service = `grpc_service="${grpcService}"`;
  const handled = `grpc_server_handled_total{${JOB},${service}}`;
  builder
    .withRow(new RowBuilder(`${grpcService.split('.').at(-1) ?? grpcService} (RED)`))
    .withPanel(
      timeseries('Requests / s by method', [
        q(`sum by (grpc_method) (rate(${handled}[${RATE}]))`, '{{grpc_method}}'),
      ]),
    )
    .withPanel(
      timeseries(
        'Server-error ratio by method',
        [
          q(
            `1 - (sum by (grpc_method) (rate(grpc_server_handled_total{${JOB},${service},grpc_code!~"${SERVER_ERROR_CODES.join('|')}"}[${RATE}])) / sum by (grpc_method) (rate(${handled}[${RATE}])))`,
            '{{grpc_method}}',
          ),
        ],
        { unit: 'percentunit', min: 0 },
      ),
    )
    .withPanel(
      timeseries('Responses / s by code', [
        q(`sum by (grpc_code) (rate(${handled}[${RATE}]))`, '{{grpc_code}}'),
      ]),
    )
    .withPanel(
      timeseries(
        'Latency p99 / p50 by method',
        [
          q(
            p99('grpc_server_handling_seconds', ['grpc_method'], `${JOB},${service}`),
            'p99 {{grpc_method}}',
          ),
          q(
            p50('grpc_server_handling_seconds', ['grpc_method'], `${JOB},${service}`),
            'p50 {{grpc_method}}',
          ),
        ],
        { unit: 's', width: 24, description: 'Streaming methods last as long as the stream.' },
      ),
    );
}

function marketDataApiPanels(builder: DashboardBuilder): void {
  grpcRedRows('meridian.marketdata.v1.MarketDataService', builder);
  builder
    .withRow(new RowBuilder('Cache-aside (Redis)'))
    .withPanel(
      timeseries(
        'Hit ratio by API',
        [
          q(
            `sum by (api) (rate(cache_hits_total{${JOB}}[${RATE}])) / (sum by (api) (rate(cache_hits_total{${JOB}}[${RATE}])) + sum by (api) (rate(cache_misses_total{${JOB}}[${RATE}])))`,
            '{{api}}',
          ),
        ],
        { unit: 'percentunit', min: 0 },
      ),
    )
    .withPanel(
      timeseries('Misses / s by reason', [
        q(`sum by (api, reason) (rate(cache_misses_total{${JOB}}[${RATE}]))`, '{{api}} {{reason}}'),
      ]),
    )
    .withPanel(
      timeseries('Cache errors / s', [
        q(
          `sum by (api, operation) (rate(cache_errors_total{${JOB}}[${RATE}]))`,
          '{{api}} {{operation}}',
        ),
      ]),
    );
}

function executorPanels(builder: DashboardBuilder): void {
  builder
    .withRow(new RowBuilder('Commands (RED)'))
    .withPanel(
      timeseries('Commands / s by outcome', [
        q(`sum by (outcome) (rate(executor_commands_total{${JOB}}[${RATE}]))`, '{{outcome}}'),
      ]),
    )
    .withPanel(
      timeseries(
        'Publish → committed latency p99 / p50',
        [
          q(p99('executor_command_latency_seconds'), 'p99'),
          q(p50('executor_command_latency_seconds'), 'p50'),
        ],
        { unit: 's' },
      ),
    )
    .withPanel(
      timeseries(
        'Commands committed under 50 ms',
        [q(shareUnder('executor_command_latency_seconds', '0.05'), 'under 50 ms')],
        { unit: 'percentunit', description: 'The execution latency SLI (objective 99%).' },
      ),
    )
    .withRow(new RowBuilder('Workers and batches'))
    .withPanel(
      timeseries('Worker queue depth / uncommitted commands', [
        q(`sum(executor_worker_queue_depth{${JOB}})`, 'worker queue depth'),
        q(`sum(executor_uncommitted_commands{${JOB}})`, 'uncommitted'),
      ]),
    )
    .withPanel(
      timeseries(
        'Stage duration p99',
        [q(p99('executor_stage_duration_seconds', ['stage']), '{{stage}}')],
        { unit: 's' },
      ),
    )
    .withPanel(
      timeseries('Batch size p50 / p99 (commands)', [
        q(p50('executor_batch_commands'), 'p50'),
        q(p99('executor_batch_commands'), 'p99'),
      ]),
    )
    .withPanel(
      timeseries('Events published / s by topic', [
        q(`sum by (topic) (rate(executor_events_total{${JOB}}[${RATE}]))`, '{{topic}}'),
      ]),
    )
    .withPanel(
      timeseries(
        'Commands consumer lag (records)',
        [
          q(
            'sum by (consumergroup, topic) (kafka_consumergroup_lag{consumergroup=~".*executor.*"})',
            '{{topic}} ({{consumergroup}})',
          ),
        ],
        {
          description:
            'From the cluster Kafka exporter (Strimzi): orders.commands records the executor has not committed yet.',
        },
      ),
    )
    .withPanel(
      timeseries('Worker restarts, publish retries, recovering', [
        q(`sum(increase(executor_worker_restarts_total{${JOB}}[${RATE}]))`, 'worker restarts'),
        q(`sum(increase(executor_publish_retries_total{${JOB}}[${RATE}]))`, 'publish retries'),
        q(`max(executor_recovering{${JOB}})`, 'recovering'),
      ]),
    );
}

function ingestorPanels(builder: DashboardBuilder): void {
  builder
    .withRow(new RowBuilder('Feed health'))
    .withPanel(
      timeseries('Ticks / s by feed and source', [
        q(
          `sum by (feed, source) (rate(marketdata_ticks_total{${JOB}}[${RATE}]))`,
          '{{feed}} {{source}}',
        ),
      ]),
    )
    .withPanel(
      timeseries(
        'Active source per feed',
        [
          q(
            `max by (feed, source) (marketdata_feed_active_source{${JOB}}) == 1`,
            '{{feed}}: {{source}}',
          ),
        ],
        { description: 'primary or backup: a switch is a failover.' },
      ),
    )
    .withPanel(
      timeseries('Sources connected, failovers', [
        q(
          `max by (feed, source) (marketdata_feed_connected{${JOB}})`,
          'connected {{feed}} {{source}}',
        ),
        q(
          `sum by (feed) (increase(marketdata_feed_failovers_total{${JOB}}[${RATE}]))`,
          'failovers {{feed}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('Dropped ticks / s by reason', [
        q(`sum by (reason) (rate(marketdata_ticks_dropped_total{${JOB}}[${RATE}]))`, '{{reason}}'),
      ]),
    )
    .withPanel(
      timeseries('Rejected ticks and sequence gaps / s', [
        q(
          `sum by (feed, reason) (rate(marketdata_ticks_rejected_total{${JOB}}[${RATE}]))`,
          'rejected {{feed}} {{reason}}',
        ),
        q(`sum by (feed) (rate(marketdata_sequence_gaps_total{${JOB}}[${RATE}]))`, 'gaps {{feed}}'),
      ]),
    )
    .withRow(new RowBuilder('Freshness'))
    .withPanel(
      timeseries(
        'Tick freshness p99 / p50',
        [
          q(p99('marketdata_tick_freshness_seconds'), 'p99'),
          q(p50('marketdata_tick_freshness_seconds'), 'p50'),
        ],
        { unit: 's' },
      ),
    )
    .withPanel(
      timeseries(
        'Ticks fresher than 2 s',
        [q(shareUnder('marketdata_tick_freshness_seconds', '2'), 'under 2 s')],
        { unit: 'percentunit', description: 'The market-data freshness SLI (objective 99%).' },
      ),
    )
    .withPanel(
      timeseries(
        'Oldest tick age (top 10 symbols)',
        [q(`topk(10, max by (symbol) (marketdata_tick_age_seconds{${JOB}}))`, '{{symbol}}')],
        { unit: 's', description: 'MarketDataStale pages when a symbol goes 10 s without a tick.' },
      ),
    );
}

function tickWriterPanels(builder: DashboardBuilder): void {
  builder
    .withRow(new RowBuilder('Ingest'))
    .withPanel(
      timeseries('Ticks written / s', [
        q(`sum(rate(tickwriter_ticks_written_total{${JOB}}[${RATE}]))`, 'written'),
      ]),
    )
    .withPanel(
      timeseries(
        'Ingest lag p99 / p50',
        [
          q(p99('tickwriter_ingest_lag_seconds'), 'p99'),
          q(p50('tickwriter_ingest_lag_seconds'), 'p50'),
        ],
        { unit: 's' },
      ),
    )
    .withPanel(
      timeseries('Rejected ticks, failed batches / s', [
        q(
          `sum by (reason) (rate(tickwriter_ticks_rejected_total{${JOB}}[${RATE}]))`,
          'rejected {{reason}}',
        ),
        q(`sum(rate(tickwriter_batch_failures_total{${JOB}}[${RATE}]))`, 'failed batches'),
      ]),
    )
    .withPanel(
      timeseries('Batch duration p99', [q(p99('tickwriter_batch_duration_seconds'), 'p99')], {
        unit: 's',
      }),
    )
    .withPanel(
      timeseries(
        'Ticks written within 5 s',
        [q(shareUnder('tickwriter_ingest_lag_seconds', '5'), 'under 5 s')],
        { unit: 'percentunit', description: 'The ingest lag SLI (objective 99%).' },
      ),
    );
}

function portfolioPanels(builder: DashboardBuilder): void {
  grpcRedRows('meridian.portfolio.v1.PortfolioService', builder);
  builder
    .withRow(new RowBuilder('Fills'))
    .withPanel(
      timeseries(
        'Fills applied / s',
        [q(`sum(rate(portfolio_fills_applied_total{${JOB}}[${RATE}]))`, 'fills')],
        { width: 12 },
      ),
    )
    .withPanel(
      timeseries(
        'Fill batch apply time p99 / p50',
        [
          q(p99('portfolio_fill_apply_seconds'), 'p99'),
          q(p50('portfolio_fill_apply_seconds'), 'p50'),
        ],
        { unit: 's', width: 12 },
      ),
    );
}

function riskPanels(builder: DashboardBuilder): void {
  builder
    .withRow(new RowBuilder('Limits'))
    .withPanel(
      timeseries(
        'Limit breaches / s by limit and action',
        [
          q(
            `sum by (limit, action) (rate(risk_limit_breaches_total{${JOB}}[${RATE}]))`,
            '{{limit}} → {{action}}',
          ),
        ],
        { width: 12 },
      ),
    )
    .withPanel(
      timeseries(
        'Accounts by trading state',
        [q(`sum by (state) (risk_accounts_by_state{${JOB}})`, '{{state}}')],
        { width: 12 },
      ),
    )
    .withPanel(
      timeseries(
        'Limit evaluation p99 by outcome',
        [q(p99('risk_evaluation_seconds', ['outcome']), '{{outcome}}')],
        { unit: 's', width: 24 },
      ),
    );
}

const SERVICE_PANELS: Record<ServiceName, ((builder: DashboardBuilder) => void) | undefined> = {
  'order-gateway': orderGatewayPanels,
  executor: executorPanels,
  'order-store': undefined,
  'marketdata-ingestor': ingestorPanels,
  'marketdata-api': marketDataApiPanels,
  'tick-writer': tickWriterPanels,
  portfolio: portfolioPanels,
  'risk-monitor': riskPanels,
};

const SERVICE_TITLES: Record<ServiceName, string> = {
  'order-gateway': 'Order gateway',
  executor: 'Executor',
  'order-store': 'Order store',
  'marketdata-ingestor': 'Market-data ingestor',
  'marketdata-api': 'Market-data API',
  'tick-writer': 'Tick writer',
  portfolio: 'Portfolio',
  'risk-monitor': 'Risk monitor',
};

function serviceDashboard(service: ServiceName): GeneratedDashboard {
  const slos = SLOS.filter((s) => s.service === service);
  const builder = baseDashboard(`meridian-${service}`, `Meridian / ${SERVICE_TITLES[service]}`, [
    service,
  ])
    .description(
      `${SERVICE_TITLES[service]}: ${slos.length === 0 ? '' : `SLOs ${slos.map((s) => s.title).join(', ')}; `}RED metrics, Kafka clients and the Node process. Generated by tools/slo.`,
    )
    .withVariable(jobVariable(service));
  if (consumesKafka(service))
    builder.withVariable(
      new QueryVariableBuilder('group')
        .label('Consumer group')
        .datasource(DATASOURCE)
        .query(`label_values(messaging_consumer_handled_total{${JOB}}, group)`)
        .definition(`label_values(messaging_consumer_handled_total{${JOB}}, group)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' }),
    );
  SERVICE_PANELS[service]?.(builder);
  kafkaRows(service, builder);
  processRow(builder);
  return { file: `${service}.json`, service, dashboard: builder.build() };
}

/** Panel ids 1..n in layout order (links such as `viewPanel=` need stable ids). */
function numberPanels(generated: GeneratedDashboard): GeneratedDashboard {
  let id = 0;
  const visit = (panels: readonly { id?: number; panels?: unknown }[] | undefined): void => {
    for (const panel of panels ?? []) {
      panel.id = ++id;
      visit(panel.panels as { id?: number }[] | undefined);
    }
  };
  visit(generated.dashboard.panels);
  return generated;
}

/** Every dashboard, in a stable order. */
export function dashboards(services: readonly ServiceName[]): GeneratedDashboard[] {
  return [sloOverview(), ...services.map(serviceDashboard)].map(numberPanels);
}

/** The PromQL of every target of a dashboard (rows' nested panels included). */
export function dashboardQueries(dashboard: unknown): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const visit = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const panel of panels as { title?: unknown; targets?: unknown; panels?: unknown }[]) {
      if (Array.isArray(panel.targets))
        for (const target of panel.targets as { expr?: unknown }[])
          if (typeof target.expr === 'string')
            out.push({ panel: String(panel.title), expr: target.expr });
      visit(panel.panels);
    }
  };
  visit((dashboard as { panels?: unknown }).panels);
  return out;
}
