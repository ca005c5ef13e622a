export async function cloudCli(_argv: string[]): Promise<void> {
  process.stderr.write('store-edge cloud: not yet available (see the cloud services issue)\n');
  process.exitCode = 1;
}
