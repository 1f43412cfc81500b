// Runs two ONNX models in ONNX Runtime on the same pseudo-random inputs and checks that every
// output is bit-for-bit identical (scripts/check_annotated_model.sh: an annotated copy must
// compute exactly what the original does).
//
//   node compare_outputs.js ORIGINAL.onnx COPY.onnx [NAME=DIMxDIM...]
//
// Input shapes come from the model; symbolic dims must be given as NAME=1x3x48x192.
// Exit code 0: identical; 1: a difference (printed); 2: usage or runtime error.
'use strict';

const ort = require('onnxruntime-node');

/// Deterministic values in [-1, 1) (xorshift32), so both runs see the same input.
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

function makeInputs(session, shapes) {
  const feeds = {};
  session.inputNames.forEach((name, index) => {
    const metadata = session.inputMetadata ? session.inputMetadata[index] : undefined;
    let dims = shapes[name];
    if (!dims && metadata && metadata.isTensor) dims = metadata.shape.map((d) => (typeof d === 'number' ? d : 1));
    if (!dims || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`input '${name}': give its shape as ${name}=DIMxDIM...`);
    }
    const type = metadata && metadata.type ? metadata.type : 'float32';
    if (type !== 'float32') throw new Error(`input '${name}' is ${type}; only float32 inputs are supported`);
    const count = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', randomValues(count, 12345 + index), dims);
  });
  return feeds;
}

function bytesOf(tensor) {
  const data = tensor.data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

async function main() {
  const [original, copy, ...rest] = process.argv.slice(2);
  if (!original || !copy) {
    console.error('usage: node compare_outputs.js ORIGINAL.onnx COPY.onnx [NAME=DIMxDIM...]');
    return 2;
  }
  const shapes = parseShapes(rest);
  const options = { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 };
  const first = await ort.InferenceSession.create(original, options);
  const second = await ort.InferenceSession.create(copy, options);
  const feeds = makeInputs(first, shapes);
  const a = await first.run(feeds);
  const b = await second.run(feeds);
  let differences = 0;
  for (const name of first.outputNames) {
    if (!(name in b)) {
      console.error(`output '${name}' missing from ${copy}`);
      ++differences;
      continue;
    }
    const same = a[name].type === b[name].type && a[name].dims.join('x') === b[name].dims.join('x') &&
                 bytesOf(a[name]).equals(bytesOf(b[name]));
    console.log(`${same ? 'identical' : 'DIFFERENT'} ${name} ${a[name].type}[${a[name].dims.join('x')}]`);
    if (!same) ++differences;
  }
  return differences === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`compare_outputs: ${error.message}`);
  process.exit(2);
});
