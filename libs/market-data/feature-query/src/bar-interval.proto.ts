import { marketdata } from '@meridian/contracts';
import {
  barInterval,
  type BarIntervalId,
  type BarIntervalSpec,
} from '@meridian/market-data-domain';

const BY_PROTO: ReadonlyMap<number, BarIntervalId> = new Map([
  [marketdata.BarInterval.ONE_MINUTE, '1m'],
  [marketdata.BarInterval.FIVE_MINUTES, '5m'],
  [marketdata.BarInterval.ONE_HOUR, '1h'],
  [marketdata.BarInterval.ONE_DAY, '1d'],
]);
const TO_PROTO: ReadonlyMap<BarIntervalId, marketdata.BarInterval> = new Map(
  [...BY_PROTO].map(([proto, id]) => [id, proto as marketdata.BarInterval]),
);

/** The interval of a wire enum value; undefined for UNSPECIFIED and numbers this build does not know. */
export function intervalOfProto(value: number): BarIntervalSpec | undefined {
  const id = BY_PROTO.get(value);
  return id === undefined ? undefined : barInterval(id);
}

export function protoOfInterval(id: BarIntervalId): marketdata.BarInterval {
  return TO_PROTO.get(id) ?? marketdata.BarInterval.UNSPECIFIED;
}
