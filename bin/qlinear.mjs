#!/usr/bin/env node
// qlinear's command line: inspect, quantize and run safetensors models with the npm package.
// Exit codes: 0 done, 1 the work failed (unreadable or malformed file, bad model), 2 usage.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import { init, VERSION } from '../web/package/qlinear.js';
import { optionGroup, optionTable } from '../web/package/lib/options.js';
import { threadSupport } from '../web/package/lib/threads.js';
import { inspect, quantize, run } from '../cli/commands.mjs';
import { quantizeCheckpoint } from '../cli/checkpoint.mjs';

// The choices, defaults and ranges come from the core's option table: the module is loaded
// first (a failure to load it is reported as any other failure, exit 1).
const option = (group, name) => optionGroup(group).options.find((o) => o.name === name);
const defaultOf = (group, name) => option(group, name).default;
let ACTIVATIONS, MODES, OBSERVERS, QCONFIGS, FORMATS, ACTIVATION_SCHEMES, USAGE;
function readTable() {
  ACTIVATIONS = option('LoadOptions', 'activation').choices;
  MODES = option('QuantizeOptions', 'mode').choices;
  OBSERVERS = option('PrepareOptions', 'observer').choices;
  QCONFIGS = optionTable().enums.find((e) => e.type === 'QConfigBackend').names;
  FORMATS = option('CheckpointOptions', 'format').choices;
  ACTIVATION_SCHEMES = option('QuantizeOptions', 'activations').choices;
  const symmetric = defaultOf('QuantizeOptions', 'symmetric'), perChannel = defaultOf('QuantizeOptions', 'perChannel');
  USAGE = `usage:
  qlinear inspect FILE [--json]
  qlinear quantize IN -o OUT [--symmetric|--affine] [--per-channel|--per-tensor]
                   [--exclude NAME ...] [--mode ${MODES.join('|')}]
                   [--activations ${ACTIVATION_SCHEMES.join('|')}] [--outlier-threshold ${defaultOf('QuantizeOptions', 'outlierThreshold')}]
                   [--calibration FILE.npy|FILE.json] [--observer ${OBSERVERS.join('|')}]
                   [--qconfig ${QCONFIGS.join('|')}] [--report]
                   [--spec SPEC.json|'{"layers": [...]}'] [--activation ${ACTIVATIONS.join('|')}] [--batch-norm-eps E]
  qlinear run MODEL --input FILE.json|FILE.npy [--spec SPEC] [--activation NAME]
  qlinear quantize CHECKPOINT -o OUT --format ${FORMATS.join('|')}
                   [--exclude PATTERN ...] [--include PATTERN ...] [--keep-dtype]
  Every command also takes --threads N (default: one a core, up to 4).
  qlinear help | --help | -h        this text
  qlinear --version | -V            the version

Defaults: ${symmetric ? '--symmetric' : '--affine'}, ${perChannel ? '--per-channel' : '--per-tensor'}, --mode ${defaultOf('QuantizeOptions', 'mode')}, \
--observer ${defaultOf('PrepareOptions', 'observer')}, --activation ${defaultOf('LoadOptions', 'activation')}
(between the layers of a state_dict's model), --activations ${defaultOf('QuantizeOptions', 'activations')} (dynamic mode; pytorch
is quantize_dynamic's per-tensor affine activations). Without --format, quantize takes an MLP
model; with it, any checkpoint.
Exit codes: 0 done, 1 the work failed (the message names the file), 2 a usage error.

Models are safetensors files: qlinear's own, or a PyTorch MLP state_dict whose layers are found
from its keys and shapes: nn.Sequential at the top or under a prefix (0.weight, net.0.weight; a
gap in the indices is an activation), named layers that chain by shape (fc1, fc2, fc3; the
activations are in forward(), so --activation says them), BatchNorm1d folded into its Linear
(eval statistics, --batch-norm-eps, default 1e-5). Any other naming takes
--spec {"layers": [{"name", "activation", "batchNorm"}]}; an error prints one to edit.
--mode static calibrates each layer's input scale on the rows of --calibration (its --observer;
--qconfig sets the observer and the weights as PyTorch's get_default_qconfig(backend) does);
--mode llm-int8 sends input columns with |x| >= --outlier-threshold through fp32.

With --format, quantize streams any PyTorch / Hugging Face checkpoint tensor by tensor, in memory
bounded by its largest layer: CHECKPOINT is a .safetensors file, a model.safetensors.index.json or
a folder with either (and config.json); the linear layers (nn.Linear, GPT-2's Conv1D) become int8
in the state dict bitsandbytes (transformers' load_in_8bit) or compressed-tensors (vLLM) loads;
embeddings, the output head, norms, biases and buffers are kept. PATTERNs name modules (* within a
dotted part, ** across: transformer.h.*.attn). OUT is a .safetensors file, or a folder that gets
model.safetensors and config.json with the quantization_config.`;
}

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  symmetric: { type: 'boolean' },
  affine: { type: 'boolean' },
  'per-channel': { type: 'boolean' },
  'per-tensor': { type: 'boolean' },
  exclude: { type: 'string', multiple: true },
  include: { type: 'string', multiple: true },
  format: { type: 'string' },
  'keep-dtype': { type: 'boolean' },
  mode: { type: 'string' },
  'outlier-threshold': { type: 'string' },
  calibration: { type: 'string' },
  observer: { type: 'string' },
  qconfig: { type: 'string' },
  report: { type: 'boolean' },
  spec: { type: 'string' },
  activations: { type: 'string' },
  version: { type: 'boolean', short: 'V' },
  activation: { type: 'string' },
  'batch-norm-eps': { type: 'string' },
  input: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  threads: { type: 'string' },
};

// Which options each command takes; anything else is a usage error, not silently ignored.
const COMMAND_OPTIONS = {
  inspect: ['json', 'threads'],
  quantize: ['threads', 'output', 'symmetric', 'affine', 'per-channel', 'per-tensor', 'exclude', 'mode', 'activations', 'outlier-threshold',
    'calibration', 'observer', 'qconfig', 'report', 'spec', 'activation', 'batch-norm-eps', 'format', 'include', 'keep-dtype'],
  run: ['threads', 'input', 'spec', 'activation', 'batch-norm-eps'],
};

class UsageError extends Error {}

// `--exclude a b c` takes every following argument up to the next option; parseArgs wants
// `--exclude a --exclude b --exclude c`.
function expandExclude(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]);
    if (argv[i] !== '--exclude' && argv[i] !== '--include') continue;
    const flag = argv[i];
    let names = 0;
    while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) {
      if (names++ > 0) out.push(flag);
      out.push(argv[++i]);
    }
  }
  return out;
}

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: expandExclude(argv), options: OPTIONS, allowPositionals: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values, positionals } = parsed;
  const [command, file, ...extra] = positionals;
  if (values.version) return { command: 'version' };
  if (values.help || !command || command === 'help') return { command: 'help' };
  if (!['inspect', 'quantize', 'run'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  if (!file) throw new UsageError(`${command} needs a file`);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  for (const name of Object.keys(values))
    if (!COMMAND_OPTIONS[command].includes(name)) throw new UsageError(`${command} does not take --${name}`);
  if (values.activation && !ACTIVATIONS.includes(values.activation))
    throw new UsageError(`--activation must be one of ${ACTIVATIONS.join(', ')}, got '${values.activation}'`);
  if (values.symmetric && values.affine) throw new UsageError('--symmetric and --affine exclude each other');
  if (values['per-channel'] && values['per-tensor']) throw new UsageError('--per-channel and --per-tensor exclude each other');
  if (values.activations !== undefined) {
    if (!ACTIVATION_SCHEMES.includes(values.activations))
      throw new UsageError(`--activations must be one of ${ACTIVATION_SCHEMES.join(', ')}, got '${values.activations}'`);
    if ((values.mode ?? defaultOf('QuantizeOptions', 'mode')) !== 'dynamic') throw new UsageError('--activations goes with --mode dynamic');
  }
  if (values.mode && !MODES.includes(values.mode))
    throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got '${values.mode}'`);
  if ((values.mode === 'static') !== (values.calibration !== undefined))
    throw new UsageError('--mode static needs --calibration FILE (sample inputs), and --calibration needs --mode static');
  if (values.observer !== undefined && values.mode !== 'static') throw new UsageError('--observer goes with --mode static');
  if (values.observer !== undefined && !OBSERVERS.includes(values.observer))
    throw new UsageError(`--observer must be one of ${OBSERVERS.join(', ')}, got '${values.observer}'`);
  if (values.qconfig !== undefined) {
    if (values.mode !== 'static') throw new UsageError('--qconfig goes with --mode static');
    if (!QCONFIGS.includes(values.qconfig)) throw new UsageError(`--qconfig must be one of ${QCONFIGS.join(', ')}, got '${values.qconfig}'`);
    for (const name of ['observer', 'affine', 'symmetric', 'per-tensor', 'per-channel'])
      if (values[name] !== undefined) throw new UsageError(`--qconfig sets the observer and the weights: drop --${name}`);
  }
  if (values['outlier-threshold'] !== undefined) {
    if (values.mode !== 'llm-int8') throw new UsageError('--outlier-threshold goes with --mode llm-int8');
    const t = Number(values['outlier-threshold']);
    const { min } = option('QuantizeOptions', 'outlierThreshold').range;
    if (!Number.isFinite(t) || t < min || values['outlier-threshold'].trim() === '')
      throw new UsageError(`--outlier-threshold must be a number >= ${min}, got '${values['outlier-threshold']}'`);
  }
  if (values['batch-norm-eps'] !== undefined) {
    const eps = Number(values['batch-norm-eps']);
    if (!Number.isFinite(eps) || eps < 0 || values['batch-norm-eps'].trim() === '')
      throw new UsageError(`--batch-norm-eps must be a number >= 0, got '${values['batch-norm-eps']}'`);
  }
  if (command === 'quantize' && !values.output) throw new UsageError('quantize needs -o OUT');
  if (values.format !== undefined) {
    if (!FORMATS.includes(values.format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${values.format}'`);
    for (const name of ['symmetric', 'affine', 'per-channel', 'per-tensor', 'mode', 'activations', 'outlier-threshold', 'calibration',
      'observer', 'report', 'spec', 'activation', 'batch-norm-eps'])
      if (values[name] !== undefined) throw new UsageError(`--${name} is for MLP models; --format streams a checkpoint`);
  } else if (values.include !== undefined || values['keep-dtype'] !== undefined) {
    throw new UsageError('--include and --keep-dtype go with --format (streaming a checkpoint)');
  }
  if (command === 'run' && !values.input) throw new UsageError('run needs --input FILE.json|FILE.npy');
  return { command, file, options: values };
}

const log = (line) => process.stderr.write(`${line}\n`);

// A failure's message with the input file in front when it names none of the files given.
function naming(message, input, options) {
  if (!input) return message;
  const files = [input, options.output, options.input, options.calibration, options.spec].filter(Boolean);
  if (files.some((f) => message.includes(f) || message.includes(f.split('/').at(-1)))) return message;
  return `${input}: ${message}`;
}

// --threads N, read before init() loads the module: the int8 kernels and the checkpoint
// quantizer's loops run on N threads. Default one a core, up to 4: a command-line job has the
// machine to itself (the library's own default, for pages, leaves half the cores to the page).
function threadsFromArgv(argv) {
  // help and the version need no workers; parse() reports a bad --threads with the usage then.
  if (argv.length === 0 || argv[0] === 'help' || argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a))) return 1;
  const at = argv.findLastIndex((a) => a === '--threads' || a.startsWith('--threads=')); // as parseArgs: the last wins
  const support = threadSupport();
  if (at < 0) return support.possible ? Math.min(4, availableParallelism()) : 1;
  const text = argv[at].includes('=') ? argv[at].slice('--threads='.length) : argv[at + 1];
  const n = Number(text);
  if (!/^\d+$/.test(text ?? '') || n < 1 || n > 64) throw new UsageError(`--threads must be a whole number from 1 to 64, got '${text ?? ''}'`);
  if (n > 1 && !support.possible) throw new UsageError(`--threads ${n}: threads are not possible here: ${support.reason}`);
  return n;
}

let given = { file: null, options: {} };
try {
  await init({ threads: threadsFromArgv(process.argv.slice(2)) });
  readTable();
  const { command, file, options } = parse(process.argv.slice(2));
  given = { file, options };
  if (command === 'help') console.log(USAGE);
  else if (command === 'version') console.log(`qlinear ${VERSION}`);
  else if (command === 'quantize' && options.format !== undefined) await quantizeCheckpoint(file, options, log);
  else await { inspect, quantize, run }[command](file, options, log);
} catch (e) {
  if (e instanceof UsageError) {
    log(`qlinear: ${e.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    log(`qlinear: ${e.code === 'ENOENT' ? `no such file: ${e.path}` : naming(e.message, given.file, given.options)}`);
    process.exitCode = 1;
  }
}
