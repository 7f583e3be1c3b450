/**
 * @meridian/orders-client: the TypeScript client of the order gateway (docs/client-typescript.md).
 * OrderClient (one agent, one API key), AdminClient, resumable ExecutionReportStream, typed
 * MeridianClientError, the retry policy and exact decimal helpers.
 */
export * from './admin.client';
export * from './connection';
export * from './decimal';
export * from './execution-report.stream';
export * from './meridian-client.error';
export * from './order.client';
export * from './retry.policy';
