/** Every op the agent serves, loaded on demand. */
import type { Op } from '../../protocol.ts';
import type { OpHandler } from '../op.ts';

type Loader = () => Promise<{ default: OpHandler<Op> }>;

export const OP_HANDLERS: Record<Op, Loader> = {
  'app.deploy': () => import('./app-deploy.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.list': () => import('./app-list.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.inspect': () => import('./app-inspect.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.remove': () => import('./app-remove.ts') as Promise<{ default: OpHandler<Op> }>,
};
