/**
 * endQuietlyOnClosedOutput: when the reader of stdout goes away (`smtprobe demo | head -2`,
 * `run --every 1s --format ndjson | head -1`), the command ends at once and quietly, as a Unix
 * filter does on SIGPIPE, instead of Node's "Unhandled 'error' event" trace. It also ends a
 * scheduled run: no one reads its rounds any more. The exit code is the one the command had
 * set so far (0 when none). stderr closing is ignored: diagnostics may be lost, the output not.
 */
export function endQuietlyOnClosedOutput(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
  process.stderr.on('error', () => {});
}
