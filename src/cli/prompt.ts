/**
 * promptHidden asks for a secret on the terminal without echoing it (stderr for the
 * question, so stdout stays clean for --json). readline is loaded here, not with the module:
 * every `check` loads this file, few prompt.
 */
export async function promptHidden(question: string): Promise<string> {
  const { default: readline } = await import('node:readline');
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    // Mute echo: readline writes typed characters through _writeToOutput.
    out._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
