export * from './account-risk-state';
export * from './account-snapshot';
export * from './exact-ratio';
export * from './limit-evaluation';
export * from './post-trade-limits';
export * from './risk.error';
