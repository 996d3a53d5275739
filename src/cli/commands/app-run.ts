import type { CommandModule } from '../command.ts';
import { durationFlag } from '../command.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('run a one-off command with the app\'s image and secrets; its output streams, its exit code passes through')
    .usage('-n <app> [options] -- <command> [args...]')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<command...>', 'the program and its arguments, after --')
    .option('--timeout <duration>', 'stop it after this long (default 1h)', durationFlag('--timeout'))
    .addHelpText('after', '\nThe command runs without a shell, in a fresh task on the app\'s network; it is removed afterwards.\nWith --json (before --) its output goes to stderr and stdout holds {app, job, exitCode}.\n\nExamples:\n  futuswarm app:run -n shop -- bin/migrate --step 1\n  futuswarm app:run -n shop -- sh -c \'echo $DATABASE_URL | cut -d@ -f2\'\n')
    .action(
      action(async (ctx, opts, command) => {
        const app = opts.name;
        const r = await ctx.agent(
          'app.run',
          { app, command, ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}) },
          { app: '--name', command: 'command', timeoutSeconds: '--timeout' },
          {
            keepOpen: true,
            // The job's output is this command's output, as the job wrote it.
            onEvent(event) {
              if (event.type === 'log') ctx.io.relay(event.stream, `${event.line}\n`);
              else if (event.type === 'progress') ctx.io.progress(event.message);
            },
            interrupt: { message: 'interrupted: the agent stops the job and removes it', hint: `nothing is left running; see futuswarm app:inspect -n ${app}` },
          },
        );
        if (ctx.io.mode === 'json') ctx.io.result(r, () => '');
        return r.exitCode;
      }),
    );
};
