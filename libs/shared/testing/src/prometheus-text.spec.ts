import { metricSample } from './prometheus-text';

const TEXT = [
  '# HELP x_total things',
  '# TYPE x_total counter',
  'x_total{api="a"} 3',
  'x_total{api="ab"} 0.5',
  'y 7',
].join('\n');

describe('metricSample', () => {
  it('reads the value of an exact series', () => {
    expect(metricSample(TEXT, 'x_total{api="a"}')).toBe(3);
    expect(metricSample(TEXT, 'x_total{api="ab"}')).toBe(0.5);
    expect(metricSample(TEXT, 'y')).toBe(7);
  });

  it('is undefined for a series that is not exposed, including prefixes of one', () => {
    expect(metricSample(TEXT, 'x_total{api="b"}')).toBeUndefined();
    expect(metricSample(TEXT, 'x_total')).toBeUndefined();
    expect(metricSample(TEXT, 'x')).toBeUndefined();
  });
});
