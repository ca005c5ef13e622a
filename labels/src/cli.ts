export async function labelCli(_argv: string[]): Promise<void> {
  process.stderr.write('store-edge label: not yet available (see the labels issue)\n');
  process.exitCode = 1;
}
