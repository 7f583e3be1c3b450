export * from './infrastructure';
export * from './kafka';
export * from './meridian-rejection';
export * from './prometheus-text';
export * from './wait-for';
export { BROKER_ENV, CONTROL_ENV } from './jest/broker-handle';
export * from './service-process';
