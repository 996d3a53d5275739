import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentConfigSchema } from '../../src/config/agent-config.ts';
import { parseWith } from '../../src/core/errors.ts';
import { proxyConfigSchema } from '../../src/config/proxy.ts';

describe('proxy: section of the agent config', () => {
  it('defaults to the official image on port 80, polling every second', () => {
    assert.deepEqual(proxyConfigSchema.parse({}), { image: 'traefik:v3.6', httpPort: 80, refreshSeconds: 1, trustedProxies: [] });
  });

  it('is filled in when the agent config has no proxy section', () => {
    const config = agentConfigSchema.parse({ cluster: 'prod', domain: 'apps.example.com', state: { bucket: 'prod-state', kmsKeyId: 'alias/prod' } });
    assert.deepEqual(config.proxy, { image: 'traefik:v3.6', httpPort: 80, refreshSeconds: 1, trustedProxies: [] });
  });

  it('takes HTTPS with ACME', () => {
    const p = proxyConfigSchema.parse({ httpsPort: 443, acme: { email: 'ops@example.com' } });
    assert.deepEqual(p, { image: 'traefik:v3.6', httpPort: 80, httpsPort: 443, refreshSeconds: 1, trustedProxies: [], acme: { email: 'ops@example.com' } });
  });

  it('reports every problem with its path', () => {
    assert.throws(
      () => parseWith(proxyConfigSchema, { httpPort: 0, refreshSeconds: 0.5, trustedProxies: ['10.0.0.0'], acme: { email: 'nope' } }, 'agent config', { root: 'proxy' }),
      (e: Error) => {
        assert.match(e.message, /proxy\.httpPort: /);
        assert.match(e.message, /proxy\.refreshSeconds: /);
        assert.match(e.message, /proxy\.acme\.email: must be an email address/);
        assert.match(e.message, /proxy\.trustedProxies\.0: must be a CIDR/);
        return true;
      },
    );
  });

  it('ACME needs an HTTPS port, an HTTPS port needs ACME, and the ports differ', () => {
    const issues = (v: unknown) => {
      const r = proxyConfigSchema.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(issues({ acme: { email: 'ops@example.com' } }), ['httpsPort: is required with acme (certificates are served on it)']);
    assert.match(issues({ httpsPort: 443 })[0] ?? '', /^acme: is required with httpsPort/);
    assert.deepEqual(issues({ httpPort: 443, httpsPort: 443, acme: { email: 'ops@example.com' } }), ['httpsPort: must differ from httpPort']);
  });
});
