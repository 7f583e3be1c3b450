/** Injection token of the pino `Logger` provided by `ObservabilityModule`. */
export const OBSERVABILITY_LOGGER = Symbol('OBSERVABILITY_LOGGER');
