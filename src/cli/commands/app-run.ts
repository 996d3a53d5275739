import type { CommandModule } from '../command.ts';
import { durationFlag } from '../command.ts';
import { attachTerminal } from '../attach.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('run a one-off command with the app\'s image and secrets; its output streams, its exit code passes through')
    .usage('-n <app> [-it] [options] -- <command> [args...]')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<command...>', 'the program and its arguments, after --')
    .option('-i, --interactive', 'send this terminal\'s input to the command')
    .option('-t, --tty', 'give the command a terminal (only when this one is a terminal)')
    .option('--timeout <duration>', 'stop it after this long (default 1h)', durationFlag('--timeout'))
    .addHelpText(
      'after',
      [
        '',
        'The command runs without a shell, in a fresh task on the app\'s network; it is removed afterwards.',
        'With -i and/or -t it runs as app:exec runs a command (the image\'s entrypoint does not wrap it),',
        'with this terminal\'s input and, with -t on a terminal, a terminal of its own.',
        'With --json (before --) its output goes to stderr and stdout holds {app, job, exitCode}.',
        '',
        'Examples:',
        '  futuswarm app:run -n shop -- bin/migrate --step 1',
        '  futuswarm app:run -n shop -it -- sh',
        '  futuswarm app:run -n shop -- sh -c \'echo $DATABASE_URL | cut -d@ -f2\'',
        '',
      ].join('\n'),
    )
    .action(
      action(async (ctx, opts, command) => {
        const app = opts.name;
        const interrupt = { message: 'interrupted: the agent stops the job and removes it', hint: `nothing is left running; see futuswarm app:inspect -n ${app}` };
        const base = { app, command, ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}) };
        const flags = { app: '--name', command: 'command', timeoutSeconds: '--timeout' };
        if (opts.interactive || opts.tty) {
          const terminal = attachTerminal(ctx.io, { interactive: opts.interactive === true, tty: opts.tty === true });
          try {
            const r = await ctx.agent('app.run', { ...base, ...terminal.args }, flags, { ...terminal.options, interrupt });
            if (ctx.io.mode === 'json') ctx.io.result(r, () => '');
            return r.exitCode;
          } finally {
            terminal.restore();
          }
        }
        const r = await ctx.agent('app.run', base, flags, {
          keepOpen: true,
          // The job's output is this command's output, as the job wrote it.
          onEvent(event) {
            if (event.type === 'log') ctx.io.relay(event.stream, `${event.line}\n`);
            else if (event.type === 'progress') ctx.io.progress(event.message);
          },
          interrupt,
        });
        if (ctx.io.mode === 'json') ctx.io.result(r, () => '');
        return r.exitCode;
      }),
    );
};
