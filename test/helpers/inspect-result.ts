/** An app.inspect result of a plain app, for tests of what owners and others see of it. */
import type { InspectResult } from '../../src/results/app.ts';

export const health = { path: '/healthz', cmd: 'pg_isready -U app --password=hunter2', intervalSeconds: 2, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 };

export const inspected: InspectResult = {
  app: 'shop',
  release: 3,
  image: 'localhost/shop:3',
  replicas: { running: 1, desired: 1 },
  settings: { port: 8000, replicas: 1, domains: [], internal: false, health },
  placement: { constraints: [], spread: [], workersOnly: false },
  url: 'https://shop.apps.example.com',
  domains: ['shop.apps.example.com'],
  linkedFrom: [],
  tasks: [],
  routes: { proxy: 'not_deployed', routes: [], servers: [] },
  labels: {
    'futuswarm.app': 'shop',
    'futuswarm.release': '3',
    'futuswarm.image': 'localhost/shop:3',
    'futuswarm.settings': JSON.stringify({ port: 8000, health }),
    'futuswarm.template-hash': '0123456789abcdef',
    'futuswarm.spec-hash': 'fedcba9876543210',
  },
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
};
