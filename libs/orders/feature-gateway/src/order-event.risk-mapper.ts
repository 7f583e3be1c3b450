import { type common, orders } from '@meridian/contracts';
import type { RiskEventUpdate } from '@meridian/orders-data-access';
import { notionalMinorUnits } from '@meridian/orders-domain-pretrade';
import type { CatalogEntry, InstrumentCatalog } from './instrument.catalog';

const TERMINAL: ReadonlySet<orders.OrderStatus> = new Set([
  orders.OrderStatus.FILLED,
  orders.OrderStatus.CANCELED,
  orders.OrderStatus.REJECTED,
  orders.OrderStatus.EXPIRED,
]);

/** True when no further event can change the order. */
export function isTerminalStatus(status: orders.OrderStatus): boolean {
  return TERMINAL.has(status);
}

function lotsOf(entry: CatalogEntry, value: common.Decimal | undefined): number | null {
  if (value === undefined) return null;
  const parsed = entry.instrument.parseQuantity(value.value);
  return parsed.ok ? parsed.value : null;
}

function ticksOf(entry: CatalogEntry, value: common.Decimal | undefined): number | null {
  if (value === undefined) return null;
  const parsed = entry.instrument.parsePrice(value.value);
  return parsed.ok ? parsed.value : null;
}

function notional(entry: CatalogEntry, ticks: number, lots: number): number {
  return Number(notionalMinorUnits(entry.increments, ticks, lots));
}

/**
 * An execution report reduced to what the pre-trade reservation needs (lots, minor units, ticks
 * of the instrument), or null when the symbol is unknown to this gateway or the report has no
 * body. Everything else (accepted, rejected, canceled, ...) is `other`: it only advances the
 * order's sequence and, when terminal, releases the reservation.
 */
export function toRiskUpdate(
  event: orders.OrderEvent,
  catalog: InstrumentCatalog,
): RiskEventUpdate | null {
  const entry = catalog.get(event.symbol);
  const body = event.event;
  if (entry === undefined || body === undefined) return null;
  const base = {
    orderId: event.orderId,
    accountId: event.accountId,
    symbol: event.symbol,
    sequence: event.sequence,
    terminal: isTerminalStatus(event.status),
  };
  switch (body.$case) {
    case 'partiallyFilled':
    case 'filled': {
      const fill = body.value.fill;
      const lots = lotsOf(entry, fill?.quantity);
      const ticks = ticksOf(entry, fill?.price);
      if (lots === null || ticks === null) return { ...base, kind: 'other' };
      return {
        ...base,
        kind: 'fill',
        fillLots: lots,
        fillNotional: notional(entry, ticks, lots),
        fillPriceTicks: ticks,
      };
    }
    case 'replaced': {
      const r = body.value;
      const leaves = lotsOf(entry, r.leavesQuantity) ?? 0;
      const total = lotsOf(entry, r.quantity) ?? leaves;
      // Reserve at the order's new price, as at submission (limit, else stop, else the band centre).
      const ticks =
        ticksOf(entry, r.limitPrice) ??
        ticksOf(entry, r.stopPrice) ??
        entry.referencePriceTicks ??
        entry.instrument.maxPriceTicks;
      return {
        ...base,
        kind: 'replaced',
        newLeavesLots: leaves,
        newTotalLots: total,
        newReservedNotional: notional(entry, ticks, leaves),
      };
    }
    default:
      return { ...base, kind: 'other' };
  }
}
