/**
 * @meridian/portfolio-domain: exact position and account math (bigint fixed point), pure
 * TypeScript. See docs/portfolio.md for the rules and worked examples.
 */
export * from './account';
export * from './fixed-point';
export * from './portfolio-book';
export * from './portfolio.error';
export * from './position';
export * from './reconciliation';
