/** Every op the agent serves, loaded on demand. */
import type { Op } from '../../protocol.ts';
import type { OpHandler } from '../op.ts';

type Loader = () => Promise<{ default: OpHandler<Op> }>;

export const OP_HANDLERS: Record<Op, Loader> = {
  'app.deploy': () => import('./app-deploy.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.create': () => import('./app-create.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.list': () => import('./app-list.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.inspect': () => import('./app-inspect.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.remove': () => import('./app-remove.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.secrets.set': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsSet as OpHandler<Op> })),
  'app.secrets.unset': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsUnset as OpHandler<Op> })),
  'app.secrets.list': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsList as OpHandler<Op> })),
  'app.secrets.get': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsGet as OpHandler<Op> })),
  'app.secrets.history': () => import('./app-secrets.ts').then((m) => ({ default: m.secretsHistory as OpHandler<Op> })),
  'app.domains': () => import('./app-domains.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.releases': () => import('./app-releases.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.rollback': () => import('./app-rollback.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.scale': () => import('./app-scale.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.restart': () => import('./app-restart.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.lock': () => import('./app-lock.ts').then((m) => ({ default: m.lockApp as OpHandler<Op> })),
  'app.lock.status': () => import('./app-lock.ts').then((m) => ({ default: m.lockStatus as OpHandler<Op> })),
  'app.unlock': () => import('./app-lock.ts').then((m) => ({ default: m.unlockApp as OpHandler<Op> })),
  'app.logs': () => import('./app-logs.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.run': () => import('./app-run.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.exec': () => import('./app-exec.ts') as Promise<{ default: OpHandler<Op> }>,
  'admin.proxy.deploy': () => import('./admin-proxy-deploy.ts') as Promise<{ default: OpHandler<Op> }>,
  'admin.proxy.status': () => import('./admin-proxy-status.ts') as Promise<{ default: OpHandler<Op> }>,
  whoami: () => import('./whoami.ts') as Promise<{ default: OpHandler<Op> }>,
  'app.owners': () => import('./app-owners.ts').then((m) => ({ default: m.ownersList as OpHandler<Op> })),
  'app.owners.add': () => import('./app-owners.ts').then((m) => ({ default: m.ownersAdd as OpHandler<Op> })),
  'app.owners.remove': () => import('./app-owners.ts').then((m) => ({ default: m.ownersRemove as OpHandler<Op> })),
  'admin.audit': () => import('./admin-audit.ts') as Promise<{ default: OpHandler<Op> }>,
  'db.create': () => import('./db.ts').then((m) => ({ default: m.dbCreate as OpHandler<Op> })),
  'db.info': () => import('./db.ts').then((m) => ({ default: m.dbInfo as OpHandler<Op> })),
  'db.destroy': () => import('./db.ts').then((m) => ({ default: m.dbDestroy as OpHandler<Op> })),
  'cache.create': () => import('./cache.ts').then((m) => ({ default: m.cacheCreate as OpHandler<Op> })),
  'cache.info': () => import('./cache.ts').then((m) => ({ default: m.cacheInfo as OpHandler<Op> })),
  'cache.destroy': () => import('./cache.ts').then((m) => ({ default: m.cacheDestroy as OpHandler<Op> })),
};
