/** `futuswarm completion <shell>`: the script for each shell, from the command tree. */
import { renderBash } from './bash.ts';
import { renderFish } from './fish.ts';
import { completionNodes, type CompletionCommand, type CompletionNode } from './tree.ts';
import { renderZsh } from './zsh.ts';

const RENDERERS = { bash: renderBash, zsh: renderZsh, fish: renderFish } satisfies Record<string, (nodes: readonly CompletionNode[]) => string>;
export type Shell = keyof typeof RENDERERS;
export const SHELLS = Object.keys(RENDERERS) as Shell[];

export function isShell(name: string): name is Shell {
  return Object.hasOwn(RENDERERS, name);
}

export function renderCompletion(shell: Shell, root: CompletionCommand): string {
  return RENDERERS[shell](completionNodes(root));
}
