export * from './config.error';
export * from './config-field';
export * from './config-fields';
export * from './config-fragments';
export * from './load-config';
