/** Replaced at build time with the package version. */
declare const __FUTUSWARM_VERSION__: string | undefined;
export const VERSION: string = typeof __FUTUSWARM_VERSION__ === 'string' ? __FUTUSWARM_VERSION__ : '0.0.0-dev';
