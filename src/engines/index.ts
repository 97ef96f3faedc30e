/** The engine registry. A new engine is a folder plus one line here. */
import { gatekeeperEngine, regoEngine } from './gatekeeper';
import { kyvernoEngine } from './kyverno';
import { kyvernoCelEngine } from './kyverno-cel';
import { psaEngine } from './psa';
import { pspEngine } from './psp';
import type { Engine } from './types';
import { vapEngine } from './vap';
import { webhookEngine } from './webhook';

export const ENGINES: readonly Engine[] = [kyvernoEngine, pspEngine, vapEngine, kyvernoCelEngine, webhookEngine, psaEngine, gatekeeperEngine, regoEngine];
