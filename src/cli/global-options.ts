/** Options every command takes; one list for commander, the top-level help and shell completion. */
export const GLOBAL_OPTIONS: readonly { flags: string; description: string }[] = [
  { flags: '--context <name>', description: 'cluster to talk to (default: FUTUSWARM_CONTEXT, then the current context)' },
  { flags: '--json', description: 'print machine-readable JSON on stdout' },
  { flags: '-q, --quiet', description: 'print only results and errors' },
  { flags: '-v, --verbose', description: 'print more detail' },
  { flags: '--no-color', description: 'do not color output (NO_COLOR is honoured too)' },
];
