import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { invalid, newSecret } from '../../core';
import { MAX_IMPORT_BYTES } from '../../modules/inventory';
import { ROLES, type Role } from '../../modules/tenancy';
import { orgContext, withServices } from '../context';
import { printJson } from '../output';
import { serve } from '../serve';

export function registerFoundation(
  program: Command,
  run: (fn: () => Promise<void>, json?: boolean) => Promise<void>,
) {
  program
    .command('serve')
    .description(
      'start CoverWatch: API and dashboard, MQTT broker, embedded database, demo data on first start',
    )
    .action(() => run(() => serve()));

  program
    .command('demo')
    .description(
      'start CoverWatch with the demo organisations and the fleet simulator (a camera gets infected)',
    )
    .option('--infect-after <seconds>', 'seconds of normal traffic before the infection', '60')
    .action((o: { infectAfter: string }) =>
      run(() => serve({ simulator: true, infectAfterSeconds: Number(o.infectAfter) })),
    );

  const devices = program.command('devices').description('device inventory');
  devices
    .command('import')
    .argument('<file>', 'CSV or JSON device file (the export layout)')
    .requiredOption('--org <slug>', 'organisation to import into')
    .option('--format <format>', 'csv | json | auto', 'auto')
    .option('--json', 'machine-readable output')
    .description('import devices: every row or none; bad rows are reported with line and field')
    .action((file: string, o: { org: string; format: 'csv' | 'json' | 'auto'; json?: boolean }) =>
      run(async () => {
        const size = statSync(file).size;
        if (size > MAX_IMPORT_BYTES) {
          throw invalid(`${file} is ${size} bytes; the limit is ${MAX_IMPORT_BYTES} bytes (split it)`, [
            { field: 'file', message: 'too large' },
          ]);
        }
        const bytes = readFileSync(file);
        const bar =
          !o.json && process.stderr.isTTY
            ? new SingleBar({ format: 'importing [{bar}] {value}/{total} devices' })
            : null;
        const result = await withServices(async (s) => {
          const ctx = await orgContext(s, o.org);
          return s.inventory.importDevices(ctx, bytes, o.format, (done, total) => {
            if (!bar) return;
            if (done <= 500) bar.start(total, 0);
            bar.update(done);
          });
        });
        bar?.stop();
        if (o.json) printJson(result);
        else {
          console.log(`imported ${result.created} devices into ${o.org}`);
          if (result.sitesCreated.length) console.log(`created sites: ${result.sitesCreated.join(', ')}`);
        }
      }, o.json),
    );

  devices
    .command('export')
    .requiredOption('--org <slug>', 'organisation')
    .option('--format <format>', 'csv | json', 'csv')
    .option('--out <file>', 'write to a file instead of standard output')
    .description('export devices in the import layout')
    .action((o: { org: string; format: 'csv' | 'json'; out?: string }) =>
      run(async () => {
        if (o.format !== 'csv' && o.format !== 'json')
          throw invalid('--format must be csv or json', [{ field: 'format', message: o.format }]);
        const body = await withServices(async (s) =>
          s.inventory.exportDevices(await orgContext(s, o.org), o.format),
        );
        if (o.out) writeFileSync(o.out, body);
        else process.stdout.write(body);
      }),
    );

  program
    .command('users')
    .description('users')
    .command('create')
    .requiredOption('--org <slug>', 'organisation')
    .requiredOption('--email <email>', 'e-mail (sign-in name)')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--name <name>', 'display name', '')
    .option('--password <password>', 'password (default: a random one, printed once)')
    .option('--json', 'machine-readable output')
    .action(
      (o: { org: string; email: string; role: string; name: string; password?: string; json?: boolean }) =>
        run(async () => {
          if (!(ROLES as readonly string[]).includes(o.role))
            throw invalid(`--role must be one of ${ROLES.join(', ')}`, [{ field: 'role', message: o.role }]);
          const password = o.password ?? newSecret(12);
          const user = await withServices(async (s) => {
            const org = await s.tenancy.organisationBySlug(o.org);
            return s.tenancy.createUser(org.id, {
              email: o.email,
              name: o.name,
              password,
              role: o.role as Role,
            });
          });
          if (o.json) printJson({ ...user, password: o.password ? undefined : password });
          else
            console.log(
              `created ${user.email} (${user.role})${o.password ? '' : `\npassword (shown once): ${password}`}`,
            );
        }, o.json),
    );

  program
    .command('tokens')
    .description('API tokens')
    .command('create')
    .requiredOption('--email <email>', 'the user the token acts as')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--json', 'machine-readable output')
    .action((o: { email: string; name: string; json?: boolean }) =>
      run(async () => {
        const created = await withServices(async (s) => {
          const ctx = await s.tenancy.context(await s.tenancy.actorByEmail(o.email));
          return s.tenancy.createToken(ctx, o.name);
        });
        if (o.json) printJson(created);
        else console.log(`token "${created.name}" (shown once): ${created.token}`);
      }, o.json),
    );
}
