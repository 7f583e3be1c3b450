export * from './secrets.types';
