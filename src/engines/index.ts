/** The engine registry. A new engine is a folder plus one line here. */
import { kyvernoEngine } from './kyverno';
import { pspEngine } from './psp';
import type { Engine } from './types';

export const ENGINES: readonly Engine[] = [kyvernoEngine, pspEngine];
