import { marketdata, Topics } from '@meridian/contracts';
import {
  KafkaConsumer,
  type KafkaConsumerOptions,
  protobufCodec,
  topicOf,
} from '@meridian/shared-messaging';
import type { InstrumentCatalog } from './instrument.catalog';

export type MarketPricesConsumerOptions = Omit<
  KafkaConsumerOptions<marketdata.LastPrice>,
  'handler' | 'topic' | 'isRetriable'
> & {
  readonly topicName?: string;
  /** Told of prices the catalog refused (unknown symbol, off the tick grid). */
  readonly onRefused?: (price: marketdata.LastPrice) => void;
};

/**
 * Keeps the catalog's market prices (the price band's centre before a symbol trades here) from
 * the compacted marketdata.last-price.v1. Give it a group of its own per process start, reading
 * from the beginning: the topic's latest value per symbol is the state, and memory starts empty.
 */
export function createMarketPricesConsumer(
  catalog: InstrumentCatalog,
  options: MarketPricesConsumerOptions,
): KafkaConsumer<marketdata.LastPrice> {
  const { topicName, onRefused, ...rest } = options;
  return new KafkaConsumer<marketdata.LastPrice>({
    ...rest,
    topic: topicOf(
      topicName ?? Topics.marketdataLastPrice.name,
      protobufCodec(Topics.marketdataLastPrice.schema.typeName, marketdata.LastPrice),
    ),
    // A refused price is not an error worth a retry or the DLQ: the band keeps its old centre.
    isRetriable: () => false,
    handler: (price) => {
      if (!catalog.setMarketPrice(price.symbol, price.price?.value ?? '')) onRefused?.(price);
      return Promise.resolve();
    },
  });
}
