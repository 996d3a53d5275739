import type { CommandModule } from '../command.ts';
import { FutuswarmError } from '../../core/errors.ts';
import { isShell, renderCompletion, SHELLS } from '../completion/index.ts';
import { describeCommand } from '../completion/tree.ts';
import { examples } from '../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    // commander refuses any other shell (exit 2, naming the choices); completion offers them.
    .addArgument(cmd.createArgument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      `
Completes commands, subcommands and options, --context with your contexts, and -n/--name with
the apps of the cluster (asked with app:list, for a few seconds at most). Install it once, and
again after an upgrade:`,
    )
    .addHelpText(
      'after',
      examples(
        'futuswarm completion bash > /etc/bash_completion.d/futuswarm',
        "echo 'source <(futuswarm completion bash)' >> ~/.bashrc",
        'futuswarm completion zsh > "${fpath[1]}/_futuswarm"     # or source <(…) in ~/.zshrc, after compinit',
        'futuswarm completion fish > ~/.config/fish/completions/futuswarm.fish',
      ),
    )
    .action(
      action(async (ctx, _opts, [shell]) => {
        if (shell === undefined || !isShell(shell)) throw new FutuswarmError('invalid_input', `choose a shell: ${SHELLS.join(', ')}`);
        const { loadCommandTree } = await import('../command-tree.ts');
        const script = renderCompletion(shell, describeCommand(await loadCommandTree()));
        // A shell script passes as it is: the terminal escaping of results would change it.
        if (ctx.io.mode === 'json') ctx.io.result({ shell, script }, () => '');
        else ctx.io.raw(script);
      }),
    );
};
