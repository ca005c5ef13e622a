export async function edgeCli(_argv: string[]): Promise<void> {
  process.stderr.write('store-edge edge: under construction\n');
  process.exitCode = 1;
}
