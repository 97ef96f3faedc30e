/** The CEL analysis, loaded on first use: engines that only sometimes meet CEL (Kyverno) load it then. */
import { lazy } from '../../lazy';
import type * as Cel from './index';

export const celAnalysis = lazy(() => require('./index') as typeof Cel);
