/**
 * The value of one sample in a Prometheus text exposition (what `/metrics` serves), e.g.
 * `metricSample(text, 'cache_hits_total{api="quotes"}')`, or undefined when the series is absent.
 * `series` is the name plus labels exactly as exposed (labels in declaration order).
 */
export function metricSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
