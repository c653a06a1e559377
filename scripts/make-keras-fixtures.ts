/**
 * Writes the Keras model fixtures of `test/fixtures/keras/`: model directories byte for byte
 * in the format `tensorflowjs_converter --input_format keras model.h5 <dir>` (TensorFlow.js
 * Converter 4.22) writes for models saved by Keras 2.15 (tf.keras) or Keras 3.4, with Keras'
 * default layer names and weight names, seeded random weights, and a framewise.json. Python,
 * Keras and the converter cannot be installed here, so this script reproduces their output;
 * how each part is formed is documented where it is written (scripts/keras-fixtures/).
 *
 * Run: `npm run build:tools && node dist/scripts/make-keras-fixtures.js [dir]` (deterministic:
 * running it again rewrites the same bytes). `dir` defaults to {@link KERAS_FIXTURES_DIR}; give
 * it when the script is compiled elsewhere than `dist/`.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { efficientNetB0Backbone } from './keras-fixtures/efficientnet-b0.js';
import type { EncoderSpec, LayerSpec, RecurrentSpec, Shape } from './keras-fixtures/layer-spec.js';
import {
  FunctionalBuilder,
  buildSequential,
  type BuiltModel,
  type CallOptions,
  type SubModel,
} from './keras-fixtures/model-builder.js';
import { mobileNetV2Backbone } from './keras-fixtures/mobilenet-v2.js';
import { Namer, type KerasVersion } from './keras-fixtures/namer.js';
import { seededRandom, weightValues } from './keras-fixtures/seeded-values.js';
import { writeConverterOutput } from './keras-fixtures/write-converter-output.js';

/** Where the fixtures go, unless the command line names another directory. */
export const KERAS_FIXTURES_DIR = fileURLToPath(
  new URL('../../test/fixtures/keras/', import.meta.url),
);

const KERAS_VERSIONS: Record<KerasVersion, string> = { 2: '2.15.0', 3: '3.4.1' };
const FRAMES: Shape = [null, 4, 16, 16, 3];
const CLASS_NAMES = ['calm', 'busy', 'other'];
/** The one weight-shard size used: the sharded fixture's weights take two shards of it. */
const SMALL_SHARD_BYTES = 2048;

/** One fixture directory. */
interface Fixture {
  readonly name: string;
  readonly keras: KerasVersion;
  /** What it is, for the fixtures' README. */
  readonly about: string;
  readonly build: (namer: Namer) => BuiltModel;
  /** framewise.json, or none. */
  readonly framewise?: object;
  readonly shardBytes?: number;
}

const conv = (filters: number, kernel = 3, strides = 2): LayerSpec => ({
  kind: 'Conv2D',
  filters,
  kernel,
  strides,
  activation: 'relu',
});
const td = (layer: LayerSpec | EncoderSpec): LayerSpec => ({ kind: 'TimeDistributed', layer });
const pool: LayerSpec = { kind: 'GlobalAveragePooling2D' };
const dense = (units = 3): LayerSpec => ({ kind: 'Dense', units, activation: 'softmax' });
const rnn = (kind: RecurrentSpec['kind'], units: number, more: Partial<RecurrentSpec> = {}) =>
  ({ kind, units, returnSequences: false, ...more }) as RecurrentSpec;

/**
 * The backbone fixtures' video model: the backbone in TimeDistributed over 4 frames of 64×64,
 * LSTM, Dense; call nodes with their training/mask arguments.
 */
function backboneVideoModel(
  namer: Namer,
  backbone: (namer: Namer, rows: number, options: CallOptions) => SubModel,
): BuiltModel {
  // The backbone first, as `MobileNetV2(...)` or `EfficientNetB0(...)` is called before the
  // video model's Input.
  const model = backbone(namer, 64, { callKwargs: true });
  const b = new FunctionalBuilder(namer, { callKwargs: true });
  const x = b.timeDistributed(model, b.input([null, 4, 64, 64, 3]));
  return b.build([b.call(dense(2), [b.call(rnn('LSTM', 8), [x])])]);
}

/** A Functional model: one video input, then `layers` in a chain. */
function chain(namer: Namer, input: Shape, layers: readonly LayerSpec[]): BuiltModel {
  const builder = new FunctionalBuilder(namer);
  let x = builder.input(input);
  for (const layer of layers) x = builder.call(layer, [x]);
  return builder.build([x]);
}

const FIXTURES: readonly Fixture[] = [
  {
    name: 'seed-lstm-keras2',
    keras: 2,
    about:
      'the seed architecture: Sequential, TimeDistributed(Sequential CNN with BatchNorm), LSTM, Dense',
    build: (n) =>
      buildSequential(n, FRAMES, [
        td({
          kind: 'Sequential',
          layers: [
            conv(6),
            { kind: 'BatchNormalization' },
            conv(8, 1, 1),
            { kind: 'BatchNormalization' },
            pool,
          ],
        }),
        rnn('LSTM', 8),
        dense(),
      ]),
    framewise: { classNames: CLASS_NAMES },
  },
  {
    name: 'functional-gru-reset-after-keras3',
    keras: 3,
    about: "Functional (Keras 3 JSON), GRU with reset_after=True (Keras' default)",
    build: (n) =>
      chain(n, FRAMES, [td(conv(6)), td(pool), rnn('GRU', 8, { resetAfter: true }), dense()]),
    framewise: { classNames: CLASS_NAMES },
  },
  {
    name: 'functional-gru-keras2',
    keras: 2,
    about: 'Functional, GRU with reset_after=False',
    build: (n) =>
      chain(n, FRAMES, [td(conv(6)), td(pool), rnn('GRU', 8, { resetAfter: false }), dense()]),
    framewise: { classNames: CLASS_NAMES },
  },
  {
    name: 'stacked-lstm-keras3',
    keras: 3,
    about: 'Sequential (Keras 3), input time dimension None, two stacked LSTMs',
    build: (n) =>
      buildSequential(
        n,
        [null, null, 16, 16, 3],
        [td(conv(6)), td(pool), rnn('LSTM', 8, { returnSequences: true }), rnn('LSTM', 6), dense()],
      ),
    framewise: { classNames: CLASS_NAMES, window: 5 },
  },
  {
    name: 'rescaling-encoder-keras3',
    keras: 3,
    about: 'Functional, TimeDistributed(Functional encoder starting with Rescaling(1/255)), LSTM',
    build: (n) => {
      const encoder: EncoderSpec = {
        kind: 'Functional',
        layers: [{ kind: 'Rescaling', scale: 1 / 255, offset: 0 }, conv(6), conv(8, 3, 1), pool],
      };
      return chain(n, FRAMES, [td(encoder), rnn('LSTM', 8), dense()]);
    },
    framewise: { classNames: CLASS_NAMES, input: { scale: 1, offset: 0 } },
  },
  {
    name: 'bidirectional-lstm-keras3',
    keras: 3,
    about: 'Functional, Bidirectional(LSTM) head: window mode only',
    build: (n) =>
      chain(n, FRAMES, [
        td(conv(6)),
        td(pool),
        { kind: 'Bidirectional', layer: rnn('LSTM', 6) },
        dense(),
      ]),
    framewise: { classNames: CLASS_NAMES },
  },
  {
    name: 'sharded-simple-rnn-keras2',
    keras: 2,
    about:
      'weights in two shards; TimeDistributed(Normalization) on raw pixels, SimpleRNN, Dropout',
    build: (n) =>
      buildSequential(n, FRAMES, [
        td({ kind: 'Normalization' }),
        td(conv(8)),
        td(pool),
        rnn('SimpleRNN', 16),
        { kind: 'Dropout', rate: 0.25 },
        dense(),
      ]),
    framewise: { classNames: CLASS_NAMES, input: { scale: 1, offset: 0 } },
    shardBytes: SMALL_SHARD_BYTES,
  },
  {
    name: 'refused-conv-lstm2d-keras2',
    keras: 2,
    about: 'refused: ConvLSTM2D over the frames',
    build: (n) =>
      buildSequential(n, FRAMES, [{ kind: 'ConvLSTM2D', filters: 4, kernel: 3 }, pool, dense()]),
  },
  {
    name: 'refused-attention-keras3',
    keras: 3,
    about: 'refused: Attention across time steps',
    build: (n) => {
      const b = new FunctionalBuilder(n);
      const frames = b.input(FRAMES);
      const x = b.call(td(pool), [b.call(td(conv(6)), [frames])]);
      const attended = b.call({ kind: 'Attention' }, [x, x]);
      return b.build([b.call(dense(), [b.call({ kind: 'GlobalAveragePooling1D' }, [attended])])]);
    },
  },
  {
    name: 'refused-two-inputs-keras3',
    keras: 3,
    about: 'refused: a second input joined after the LSTM',
    build: (n) => {
      const b = new FunctionalBuilder(n);
      const frames = b.input(FRAMES);
      const extra = b.input([null, 2]);
      const x = b.call(rnn('LSTM', 8), [b.call(td(pool), [b.call(td(conv(6)), [frames])])]);
      return b.build([b.call(dense(), [b.call({ kind: 'Concatenate' }, [x, extra])])]);
    },
  },
  {
    name: 'refused-lstm-before-td-keras2',
    keras: 2,
    about: 'refused: an LSTM before the TimeDistributed layers',
    build: (n) =>
      buildSequential(
        n,
        [null, 4, 48],
        [
          rnn('LSTM', 8, { returnSequences: true }),
          td({ kind: 'Dense', units: 8, activation: 'relu' }),
          rnn('LSTM', 4),
          dense(),
        ],
      ),
  },
  {
    name: 'refused-conv3d-keras2',
    keras: 2,
    about: 'refused: Conv3D over time instead of a per-frame encoder',
    build: (n) =>
      buildSequential(
        n,
        [null, 4, 8, 8, 3],
        [
          { kind: 'Conv3D', filters: 4, kernel: 3, activation: 'relu' },
          { kind: 'Flatten' },
          dense(),
        ],
      ),
  },
  // Last, in the order they were added, as each fixture's weights are seeded by its place in
  // this list.
  {
    name: 'mobilenetv2-keras3',
    keras: 3,
    about:
      'Functional, TimeDistributed(Functional MobileNetV2 backbone, alpha 0.35, 64×64: stem, ' +
      'blocks 0-2 with a ZeroPadding2D and a residual Add, Conv_1, average pooling), LSTM; ' +
      'call nodes with their training/mask arguments',
    build: (n) =>
      backboneVideoModel(n, (namer, rows, options) =>
        mobileNetV2Backbone(namer, rows, 0.35, options),
      ),
    // MobileNetV2's preprocessing ("tf"): x / 127.5 - 1.
    framewise: { classNames: ['a', 'b'], input: { preset: 'tf' } },
  },
  {
    name: 'efficientnetb0-keras3',
    keras: 3,
    about:
      'Functional, TimeDistributed(Functional EfficientNetB0 backbone, width 0.5, 64×64: ' +
      'Rescaling, Normalization holding ImageNet statistics, stem, blocks 1a-2b with ' +
      'squeeze-and-excitation, a ZeroPadding2D and a residual Add, top_conv, average ' +
      'pooling), LSTM; call nodes with their training/mask arguments',
    build: (n) =>
      backboneVideoModel(n, (namer, rows, options) =>
        efficientNetB0Backbone(namer, rows, 0.5, options),
      ),
    // EfficientNet preprocesses itself (Rescaling, Normalization): raw 0-255 pixels go in.
    framewise: { classNames: ['a', 'b'], input: { scale: 1, offset: 0 } },
  },
];

async function main(outDir: string): Promise<void> {
  const readme = [
    '# Keras fixtures',
    '',
    'Written by `scripts/make-keras-fixtures.ts`; do not edit.',
    '',
  ];
  for (const [index, fixture] of FIXTURES.entries()) {
    const dir = join(outDir, fixture.name);
    const random = seededRandom(1000 + index);
    const paths = await writeConverterOutput(dir, {
      model: fixture.build(new Namer(fixture.keras)),
      kerasVersion: KERAS_VERSIONS[fixture.keras],
      values: (weight) => weightValues(weight, random),
      ...(fixture.shardBytes === undefined ? {} : { shardBytes: fixture.shardBytes }),
    });
    if (fixture.shardBytes !== undefined && paths.length !== 2) {
      throw new Error(`${fixture.name} should take 2 weight shards, took ${paths.length}`);
    }
    if (fixture.framewise !== undefined) {
      await writeFile(
        join(dir, 'framewise.json'),
        `${JSON.stringify(fixture.framewise, null, 2)}\n`,
      );
    }
    readme.push(`- \`${fixture.name}\` (Keras ${KERAS_VERSIONS[fixture.keras]}): ${fixture.about}`);
  }
  await writeFile(join(outDir, 'README.md'), `${readme.join('\n')}\n`);
}

await main(resolve(process.argv[2] ?? KERAS_FIXTURES_DIR));
