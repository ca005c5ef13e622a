export async function simulateCli(_argv: string[]): Promise<void> {
  process.stderr.write('store-edge simulate: not yet available\n');
  process.exitCode = 1;
}
