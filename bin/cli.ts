// Dispatches the top-level sub-commands to the workspace that owns them. Each part stays
// independent: the cloud never loads edge-agent code and vice versa.
const usage = `store-edge <command>

Commands:
  edge                      run the edge agent (npm start)
  edge backup --out FILE    online backup of the edge ledger
  cloud [--no-migrate]      run the cloud service
  cloud migrate             apply MySQL migrations and exit
  cloud replenish --tenant ID|--all-tenants
                            one replenishment run per tenant (the nightly CronJob)
  label render --template T --format zpl|pdf [--data FILE]
  simulate scanner|rfid ... device simulators for demos and benchmarks
  probe --edge URL --edge-user U --edge-password P --cloud URL --cloud-token T
                            synthetic receive -> adjust -> reserve -> ship through a live pair
`;

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'edge': {
      const { edgeCli } = await import('@store-edge/edge-agent/cli');
      await edgeCli(rest);
      return;
    }
    case 'cloud': {
      const { cloudCli } = await import('@store-edge/cloud/cli');
      await cloudCli(rest);
      return;
    }
    case 'label': {
      const { labelCli } = await import('@store-edge/labels/cli');
      await labelCli(rest);
      return;
    }
    case 'simulate': {
      const { simulateCli } = await import('@store-edge/drivers/simulate');
      await simulateCli(rest);
      return;
    }
    case 'probe': {
      const { probeCli } = await import('./probe-cli.js');
      await probeCli(rest);
      return;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`store-edge: unknown command '${command}'\n\n${usage}`);
      process.exitCode = 2;
  }
}
