export * from './types';
export * from './messages';
export * from './ids';
export * from './limits';
export * from './plain';
export * from './checks';
