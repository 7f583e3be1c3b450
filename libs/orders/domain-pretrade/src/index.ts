export * from './exact-decimal';
export * from './notional';
export * from './pretrade.error';
export * from './risk-limits';
export * from './trading-state';
