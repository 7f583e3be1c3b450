import { parseFeedInstruments } from '@meridian/market-data-feed';
import { buildFeeds, DEFAULT_FEEDS_JSON, parseFeedsConfig, sourceName } from './feeds.config';
import { FeedsConfigError } from './ingestion.error';
import { ReplayFeedAdapter } from './replay.adapter';
import { SyntheticFeedAdapter } from './synthetic.adapter';
import { WsFeedAdapter } from './ws.adapter';

const instruments = parseFeedInstruments(
  JSON.stringify([
    { symbol: 'AAPL', tickSize: '0.01' },
    { symbol: 'MSFT', tickSize: '0.01' },
  ]),
);

describe('feeds config', () => {
  it('builds adapters of every kind with default source names', () => {
    const configs = parseFeedsConfig(
      JSON.stringify([
        { name: 'synth', primary: { type: 'synthetic' } },
        {
          name: 'eq',
          symbols: ['AAPL'],
          primary: {
            type: 'websocket',
            url: 'ws://127.0.0.1:1',
            mapping: { symbol: 's', lastPrice: 'p', lastSize: 'q' },
          },
          backup: { type: 'replay', path: '/tmp/x.jsonl', speed: 2 },
        },
      ]),
    );
    const [synth, eq] = buildFeeds(configs, instruments);
    expect(synth?.primary).toBeInstanceOf(SyntheticFeedAdapter);
    expect(synth?.instruments.map((i) => i.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(eq?.primary).toBeInstanceOf(WsFeedAdapter);
    expect(eq?.backup).toBeInstanceOf(ReplayFeedAdapter);
    expect([eq?.primary.source, eq?.backup?.source]).toEqual(['eq-primary', 'eq-backup']);
    expect(eq?.instruments.map((i) => i.symbol)).toEqual(['AAPL']);
    expect(configs[1] && sourceName(configs[1], 'primary')).toBe('eq-primary');
    expect(parseFeedsConfig(DEFAULT_FEEDS_JSON)[0]?.primary).toMatchObject({
      type: 'synthetic',
      seed: 1,
    });
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no feeds', '[]', /at least one feed/],
    ['an unknown source type', '[{"name":"a","primary":{"type":"fix"}}]', /0\.primary\.type/],
    ['an unknown key (a typo)', '[{"name":"a","primary":{"type":"synthetic","rate":5}}]', /rate/],
    [
      'a ws URL that is http',
      '[{"name":"a","primary":{"type":"websocket","url":"http://x","mapping":{"symbol":"s"}}}]',
      /ws:\/\//,
    ],
    [
      'a negative speed',
      '[{"name":"a","primary":{"type":"replay","path":"x","speed":-1}}]',
      /speed/,
    ],
    [
      'a duplicate feed',
      '[{"name":"a","primary":{"type":"synthetic"}},{"name":"a","primary":{"type":"synthetic"}}]',
      /defined twice/,
    ],
    [
      'a duplicate source name',
      '[{"name":"a","primary":{"type":"synthetic","name":"x"},"backup":{"type":"synthetic","name":"x"}}]',
      /used twice/,
    ],
  ])('refuses %s', (_name, json, message) => {
    expect(() => parseFeedsConfig(json)).toThrow(FeedsConfigError);
    expect(() => parseFeedsConfig(json)).toThrow(message);
  });

  it('refuses a feed symbol that is not an instrument', () => {
    const configs = parseFeedsConfig(
      '[{"name":"a","symbols":["TSLA"],"primary":{"type":"synthetic"}}]',
    );
    expect(() => buildFeeds(configs, instruments)).toThrow(/TSLA is not an instrument/);
  });
});
