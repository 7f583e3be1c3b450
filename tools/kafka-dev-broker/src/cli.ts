// CLI for the Kafka dev broker: `npm run broker -- <command>` (tsx tools/kafka-dev-broker/src/cli.ts).
import * as fs from 'node:fs';
import {
  connectDevBroker,
  DEFAULT_STATE_DIR,
  type DevBroker,
  DevBrokerError,
  ensureBuilt,
  parseTopicsFile,
  readDevBrokerState,
  sendControl,
  startDevBroker,
  stopDevBroker,
} from './dev-broker';

const USAGE = `usage: cli.ts <command> [options]

  start [--topics-file F] [--brokers N] [--broker-port-base P] [--control-port P] [--foreground]
                         start a broker (daemon unless --foreground); prints the state JSON
  stop                   stop the daemon (SIGTERM, SIGKILL after 5 s)
  status [--json]        exit 0 if running, 3 if not
  fault down|up <brokerId>
  fault rtt <brokerId> <ms>
  fault errors <apiKey> <code>[,<code>...]   e.g. 'fault errors 0 6' (Produce, NOT_LEADER_OR_FOLLOWER)
  fault clear <apiKey>
  fault leader <topic> <partition> <brokerId>
  topic create <name> <partitions> <replicationFactor>
  topic delete <name>
  send <raw control line>                   e.g. send ping
  build                  build the launcher (cached) and print its path

global: --state-dir D (default ${DEFAULT_STATE_DIR})
topics file lines: '<name> <partitions> <replicationFactor>', '#' comments`;

interface Parsed {
  positional: string[];
  flags: Map<string, string>;
  switches: Set<string>;
}

const SWITCHES = new Set(['--foreground', '--json', '--help', '-h']);

function parseArgs(argv: string[]): Parsed {
  const parsed: Parsed = { positional: [], flags: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (SWITCHES.has(arg)) parsed.switches.add(arg);
    else if (arg.startsWith('--') && arg.length > 2) {
      const value = argv[++i];
      if (value === undefined) throw new DevBrokerError(`${arg} needs a value`);
      parsed.flags.set(arg, value);
    } else parsed.positional.push(arg);
  }
  return parsed;
}

function intFlag(p: Parsed, name: string): number | undefined {
  const raw = p.flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new DevBrokerError(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

function intArg(raw: string | undefined, what: string): number {
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(n))
    throw new DevBrokerError(`${what} must be an integer, got '${raw ?? ''}'`);
  return n;
}

async function start(p: Parsed, stateDir: string): Promise<number> {
  const topicsFile = p.flags.get('--topics-file');
  const topics = topicsFile ? parseTopicsFile(fs.readFileSync(topicsFile, 'utf8'), topicsFile) : [];
  const common = {
    topics,
    stateDir,
    brokers: intFlag(p, '--brokers'),
    brokerPortBase: intFlag(p, '--broker-port-base'),
    controlPort: intFlag(p, '--control-port'),
  };

  if (!p.switches.has('--foreground')) {
    const running = readDevBrokerState(stateDir);
    if (running) {
      console.error(
        `kafka-dev-broker already running (pid ${running.pid}); 'stop' it first to change its settings`,
      );
      console.log(JSON.stringify(running));
      return 0;
    }
    await startDevBroker({ ...common, detached: true });
    console.log(JSON.stringify(readDevBrokerState(stateDir)));
    return 0;
  }

  // Foreground: logs on stderr, state file for `status`/`fault` from other shells, Ctrl-C stops.
  const broker = await startDevBroker({
    ...common,
    writeState: true,
    onLog: (line) => console.error(line),
  });
  console.log(
    JSON.stringify({
      pid: broker.pid,
      bootstrap: broker.bootstrap,
      control: broker.controlAddress,
    }),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await broker.stop();
  return 0;
}

function status(p: Parsed, stateDir: string): number {
  const state = readDevBrokerState(stateDir);
  if (p.switches.has('--json')) console.log(JSON.stringify(state ?? null));
  else if (state)
    console.log(
      `running pid=${state.pid} bootstrap=${state.bootstrap.join(',')} control=${state.control}`,
    );
  else console.log('not running');
  return state ? 0 : 3;
}

async function fault(broker: DevBroker, args: string[]): Promise<void> {
  const [kind, a, b, c] = args;
  switch (kind) {
    case 'down':
      return broker.brokerDown(intArg(a, 'brokerId'));
    case 'up':
      return broker.brokerUp(intArg(a, 'brokerId'));
    case 'rtt':
      return broker.setRtt(intArg(a, 'brokerId'), intArg(b, 'ms'));
    case 'errors':
      return broker.pushRequestErrors(
        intArg(a, 'apiKey'),
        (b ?? '').split(',').map((code) => intArg(code, 'error code')),
      );
    case 'clear':
      return broker.clearRequestErrors(intArg(a, 'apiKey'));
    case 'leader':
      return broker.setLeader(a ?? '', intArg(b, 'partition'), intArg(c, 'brokerId'));
    default:
      throw new DevBrokerError(`unknown fault '${kind ?? ''}'\n${USAGE}`);
  }
}

async function topic(broker: DevBroker, args: string[]): Promise<void> {
  const [action, name = '', partitions, rf] = args;
  if (action === 'create') {
    return broker.createTopic({
      name,
      partitions: intArg(partitions, 'partitions'),
      replicationFactor: intArg(rf, 'replicationFactor'),
    });
  }
  if (action === 'delete') return broker.deleteTopic(name);
  throw new DevBrokerError(`unknown topic action '${action ?? ''}'\n${USAGE}`);
}

async function main(argv: string[]): Promise<number> {
  const p = parseArgs(argv);
  const [command, ...rest] = p.positional;
  const stateDir = p.flags.get('--state-dir') ?? DEFAULT_STATE_DIR;
  if (!command || p.switches.has('--help') || p.switches.has('-h')) {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  switch (command) {
    case 'start':
      return start(p, stateDir);
    case 'stop':
      console.log((await stopDevBroker(stateDir)) ? 'stopped' : 'not running');
      return 0;
    case 'status':
      return status(p, stateDir);
    case 'build':
      console.log(await ensureBuilt());
      return 0;
    case 'fault':
      await fault(connectDevBroker(stateDir), rest);
      console.log('ok');
      return 0;
    case 'topic':
      await topic(connectDevBroker(stateDir), rest);
      console.log('ok');
      return 0;
    case 'send':
      console.log(
        `ok ${await sendControl(connectDevBroker(stateDir).controlAddress, rest.join(' '))}`.trim(),
      );
      return 0;
    default:
      console.error(`unknown command '${command}'\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof DevBrokerError ? e.message : e);
    process.exitCode = 1;
  },
);
