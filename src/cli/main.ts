import { Command, CommanderError } from 'commander';
import { registerAssess } from './commands/assess';
import { registerDetect } from './commands/detect';
import { registerFoundation } from './commands/foundation';
import { registerInsurance } from './commands/insurance';
import { registerLedger } from './commands/ledger';
import { EXIT, reportError } from './output';

const program = new Command()
  .name('coverwatch')
  .description('CoverWatch: IoT security and cyber insurance')
  .version('0.1.0')
  .exitOverride();

/** Run a command body; map failures to meaningful exit codes (see README). */
async function run(fn: () => Promise<void>, json = false): Promise<void> {
  try {
    await fn();
    process.exitCode = EXIT.ok;
  } catch (e) {
    process.exitCode = reportError(e, json);
  }
}

registerFoundation(program, run);
registerAssess(program, run);
registerDetect(program, run);
registerLedger(program, run);
registerInsurance(program, run);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    process.exitCode = reportError(e, false);
  }
}
