/**
 * Mocha reporter: the usual spec output, then the spec files that took longest, then one line
 * `N passed, N failed[, N skipped]`. With MOCHA_SUMMARY_FILE set, the line is also written to
 * that file (CI prints it last).
 */
import * as fs from 'node:fs';
import Mocha from 'mocha';
import { FileTimes, SLOWEST_FILES_SHOWN, slowestFilesText } from './file-times';

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const times = new FileTimes();
    runner.on('test end', (test) => times.ended(test.file));
    runner.on('hook end', (hook) => times.ended(hook.file));
    runner.once('end', () => {
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const skipped = stats.pending > 0 ? `, ${stats.pending} skipped` : '';
      const line = `${stats.passes} passed, ${stats.failures} failed${skipped}`;
      process.stdout.write(`\n${slowestFilesText(times, SLOWEST_FILES_SHOWN)}\n${line}\n`);
      if (process.env.MOCHA_SUMMARY_FILE) fs.writeFileSync(process.env.MOCHA_SUMMARY_FILE, line + '\n');
    });
  }
}

export = SummaryReporter;
