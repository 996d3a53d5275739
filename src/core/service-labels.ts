/** The labels futuswarm puts on an app's service, on their own so that readers of them load nothing else. */
export const LABEL = {
  app: 'futuswarm.app',
  release: 'futuswarm.release',
  image: 'futuswarm.image',
  specHash: 'futuswarm.spec-hash',
  templateHash: 'futuswarm.template-hash',
  /** The app's settings as JSON, so a redeploy knows them. */
  settings: 'futuswarm.settings',
} as const;
