/** Every op the agent serves, loaded on demand. */
import type { Op } from '../../protocol.ts';
import type { OpHandler } from '../op.ts';

type Loader = () => Promise<{ default: OpHandler<Op> }>;

export const OP_HANDLERS: Record<Op, Loader> = {
  'app.deploy': () => import('./app-deploy.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.list': () => import('./app-list.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.inspect': () => import('./app-inspect.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.remove': () => import('./app-remove.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.secrets.set': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsSet as OpHandler<Op> })),
  'app.secrets.unset': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsUnset as OpHandler<Op> })),
  'app.secrets.list': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsList as OpHandler<Op> })),
  'app.secrets.get': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsGet as OpHandler<Op> })),
  'app.secrets.history': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsHistory as OpHandler<Op> })),
  'app.releases': () => import('./app-releases.ts') as Promise<{ default: OpHandler<Op> }>,
  'admin.proxy.deploy': () => import('./admin-proxy-deploy.ts') as Promise<{ default: OpHandler<Op> }>,
  'admin.proxy.status': () => import('./admin-proxy-status.ts') as Promise<{ default: OpHandler<Op> }>,
};
