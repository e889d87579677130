export * from './clock';
export * from './config';
export * from './errors';
export * from './ids';
export * from './logger';
export * from './money';
export * from './random';
