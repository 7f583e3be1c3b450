/** Paths of the operational endpoints, the same in the Nest module and `startOpsServer`. */
export const OPS_PATHS = Object.freeze({
  live: '/health/live',
  ready: '/health/ready',
  metrics: '/metrics',
} as const);
