/** What a simulated agent needs to know about the instrument it trades. */
export interface SimInstrument {
  readonly symbol: string;
  /** Price increment, e.g. `"0.01"`: every price sent is on this grid. */
  readonly tickSize: string;
  /** Quantity increment, e.g. `"1"` or `"0.0001"`. */
  readonly lotSize: string;
  /** Where quoting starts before any fill (the gateway's reference price for the band). */
  readonly referencePrice: string;
}

/** The instruments of the local demo stack (tools/scripts/platform-demo.ts). */
export const DEMO_INSTRUMENTS: readonly SimInstrument[] = [
  { symbol: 'AAPL', tickSize: '0.01', lotSize: '1', referencePrice: '190.00' },
  { symbol: 'BTC-USD', tickSize: '0.5', lotSize: '0.0001', referencePrice: '65000.0' },
];
