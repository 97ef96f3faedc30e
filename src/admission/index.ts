/** The admission request model shared by every evaluator. */
export * from './request';
export * from './decision';
