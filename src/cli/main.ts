import { Command, CommanderError } from 'commander';
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

// `detect` registers alone when it is the command: the others import the database, server and MQTT
// modules (~80 MiB resident), which a file-in, scores-out run never needs (issue #3: detect <= 150 MiB).
if (process.argv[2] === 'detect') {
  (await import('./commands/detect')).registerDetect(program, run);
} else {
  const [foundation, assess, detect, ledger, insurance] = await Promise.all([
    import('./commands/foundation'),
    import('./commands/assess'),
    import('./commands/detect'),
    import('./commands/ledger'),
    import('./commands/insurance'),
  ]);
  foundation.registerFoundation(program, run);
  assess.registerAssess(program, run);
  detect.registerDetect(program, run);
  ledger.registerLedger(program, run);
  insurance.registerInsurance(program, run);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    process.exitCode = reportError(e, false);
  }
}
