// Checks `bufopt run`'s outputs against ONNX Runtime on the same fixed pseudo-random inputs
// (scripts/check_execution_ort.sh):
//
//   node check_run_outputs.js inputs  MODEL.onnx DIR [NAME=DIMxDIM...]  # writes DIR/NAME.npy, prints --input flags
//   node check_run_outputs.js compare MODEL.onnx DIR [NAME=DIMxDIM...]  # ORT vs DIR/outputs/*.npy
//
// A float32 output passes when every |bufopt - ort| <= 1e-4 * max|ort| + 1e-6.
// Exit code 0: every output within tolerance; 1: a difference (printed); 2: usage or runtime error.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

/// Deterministic values in [-1, 1) (xorshift32), one stream per input.
function randomValues(count, seed) {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(count);
  for (let i = 0; i < count; ++i) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    values[i] = state / 2147483648 - 1;
  }
  return values;
}

function parseShapes(args) {
  const shapes = {};
  for (const arg of args) {
    const equals = arg.lastIndexOf('=');
    if (equals <= 0) throw new Error(`expected NAME=DIMxDIM, got '${arg}'`);
    shapes[arg.slice(0, equals)] = arg.slice(equals + 1).split('x').map(Number);
  }
  return shapes;
}

/// The file stem bufopt run gives an output (characters outside [A-Za-z0-9._-] become '_').
function fileStem(name) {
  const stem = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return stem === '' || stem[0] === '.' ? 'output' + stem : stem;
}

function writeNpy(file, values, dims) {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(values.buffer)]));
}

function readNpyFloat32(file) {
  const bytes = fs.readFileSync(file);
  const major = bytes[6];
  const length = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.slice(start, start + length).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${file}: not float32`);
  const data = bytes.slice(start + length);
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function inputsOf(session, shapes) {
  const inputs = [];
  session.inputNames.forEach((name, index) => {
    const metadata = session.inputMetadata ? session.inputMetadata[index] : undefined;
    let dims = shapes[name];
    if (!dims && metadata && metadata.isTensor) dims = metadata.shape.map((d) => (typeof d === 'number' ? d : 1));
    if (!dims || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`input '${name}': give its shape as ${name}=DIMxDIM...`);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    inputs.push({ name, dims, values: randomValues(count, 777 + index) });
  });
  return inputs;
}

async function main() {
  const [command, model, dir, ...rest] = process.argv.slice(2);
  if (!['inputs', 'compare'].includes(command) || !model || !dir) {
    console.error('usage: node check_run_outputs.js inputs|compare MODEL.onnx DIR [NAME=DIMxDIM...]');
    return 2;
  }
  const options = { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 };
  const session = await ort.InferenceSession.create(model, options);
  const inputs = inputsOf(session, parseShapes(rest));
  if (command === 'inputs') {
    fs.mkdirSync(dir, { recursive: true });
    const flags = inputs.map((input) => {
      const file = path.join(dir, `${fileStem(input.name)}.npy`);
      writeNpy(file, input.values, input.dims);
      return `--input=${input.name}=${file}`;
    });
    console.log(flags.join('\n'));
    return 0;
  }
  const feeds = {};
  for (const input of inputs) feeds[input.name] = new ort.Tensor('float32', input.values, input.dims);
  const results = await session.run(feeds);
  let failures = 0;
  for (const name of session.outputNames) {
    const expected = results[name].data;
    const actual = readNpyFloat32(path.join(dir, 'outputs', `${fileStem(name)}.npy`));
    if (actual.length !== expected.length) {
      console.log(`DIFFERENT ${name}: ${actual.length} elements, ONNX Runtime ${expected.length}`);
      ++failures;
      continue;
    }
    let largest = 0;
    for (const value of expected) largest = Math.max(largest, Math.abs(value));
    const tolerance = 1e-4 * largest + 1e-6;
    let worst = 0;
    for (let i = 0; i < expected.length; ++i) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    const ok = worst <= tolerance;
    console.log(`${ok ? 'within' : 'BEYOND'} ${name} [${results[name].dims.join('x')}]: max |diff| ${worst.toExponential(3)}, ` +
                `tolerance ${tolerance.toExponential(3)} (max |ort| ${largest.toExponential(3)})`);
    if (!ok) ++failures;
  }
  return failures === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`check_run_outputs: ${error.message}`);
  process.exit(2);
});
