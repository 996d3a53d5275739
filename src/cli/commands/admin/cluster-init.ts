import { writeFileSync } from 'node:fs';
import type { CommandModule } from '../../command.ts';
import { FutuswarmError } from '../../../core/errors.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .argument('<name>', 'cluster name: lowercase letters, digits and hyphens, at most 20 characters')
    .option('-o, --output <file>', 'where to write it (default: <name>.yaml; - for standard output)')
    .option('--force', 'overwrite the file if it exists')
    .addHelpText('after', '\nThe file is commented and valid as written; docs/cluster-file.md describes every setting.\n\nExample:\n  futuswarm admin cluster:init prod && $EDITOR prod.yaml\n')
    .action(
      action(async (ctx, opts, [name]) => {
        const { renderClusterFileTemplate } = await import('../../../config/cluster-file.ts');
        const text = renderClusterFileTemplate(String(name));
        const file = opts.output ?? `${name}.yaml`;
        if (file === '-') {
          if (ctx.io.mode === 'json') ctx.io.result({ cluster: name, file, text }, () => '');
          else ctx.io.raw(text);
          return;
        }
        try {
          writeFileSync(file, text, { flag: opts.force ? 'w' : 'wx', mode: 0o644 });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') {
            throw new FutuswarmError('conflict', `${file} already exists`, { hint: `choose another file with -o, or replace it: futuswarm admin cluster:init ${name} -o ${file} --force` });
          }
          throw new FutuswarmError('invalid_input', `cannot write ${file}: ${code ?? (e as Error).message}`);
        }
        ctx.io.result({ cluster: name, file }, () =>
          [
            `wrote ${file}`,
            'Set region, domain, network.sshCidrs and access in it, then look at the plan:',
            `  futuswarm admin cluster:bootstrap -f ${file} --plan`,
          ].join('\n'),
        );
      }),
    );
};
