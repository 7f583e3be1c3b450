export * from './infrastructure';
export * from './kafka';
export { BROKER_ENV, CONTROL_ENV } from './jest/broker-handle';
