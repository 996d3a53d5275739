import type { CommandModule } from '../command.ts';
import { attachTerminal } from '../attach.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('run a command inside a running task of the app (a shell, with -it)')
    .usage('-n <app> [-it] [options] -- <command> [args...]')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<command...>', 'the program and its arguments, after --')
    .option('-i, --interactive', 'send this terminal\'s input to the command')
    .option('-t, --tty', 'give the command a terminal (only when this one is a terminal)')
    .option('--task <task>', 'which task: its slot number or the start of its ID (see app:inspect)')
    .addHelpText('after', '\nWith --json (before --) the command\'s output goes to stderr and stdout holds {app, task, exitCode}.\n\nExamples:\n  futuswarm app:exec -n shop -it -- sh\n  futuswarm app:exec -n shop -- env\n  futuswarm app:exec -n shop --task 2 -- cat /proc/loadavg\n')
    .action(
      action(async (ctx, opts, command) => {
        const terminal = attachTerminal(ctx.io, { interactive: opts.interactive === true, tty: opts.tty === true });
        try {
          const r = await ctx.agent(
            'app.exec',
            { app: opts.name, command, ...terminal.args, ...(opts.task !== undefined ? { task: opts.task } : {}) },
            { app: '--name', command: 'command', task: '--task' },
            { ...terminal.options, interrupt: { message: 'interrupted: detached from the command' } },
          );
          if (ctx.io.mode === 'json') ctx.io.result(r, () => '');
          return r.exitCode ?? 1;
        } finally {
          terminal.restore();
        }
      }),
    );
};
