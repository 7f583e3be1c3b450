/**
 * @meridian/portfolio-feature-portfolio: the portfolio service's features: fill and mark
 * consumers (batched), PositionUpdate publishing, the PortfolioService gRPC server with
 * go-grpc-prometheus metrics, rebuild from the ledger and reconciliation.
 */
export * from './kafka-batch.consumer';
export * from './order-event.parser';
export * from './portfolio.engine';
export * from './portfolio.error';
export * from './portfolio.grpc-server';
export * from './portfolio.metrics';
export * from './portfolio.service';
export * from './position-update.hub';
export * from './position-update.mapper';
export * from './position-update.publisher';
export * from './rebuild-from-ledger.usecase';
export * from './reconcile-portfolio.usecase';
export * from './risk-control.publisher';
