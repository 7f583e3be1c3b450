export * from './post-trade-limits.repository';
export * from './risk-monitor.migrations';
export * from './risk-outbox.repository';
export * from './risk-state.store';
