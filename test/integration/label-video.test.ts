import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_OPTIONS } from '../../src/options/label-options.js';
import { useBackend } from '../../src/model/run/backend.js';
import { loadModel } from '../../src/model/load-model.js';
import { emptyCounters, type LabelCounters } from '../../src/pipeline/label-frames.js';
import { labelVideo } from '../../src/pipeline/label-video.js';
import { saveSeedModel } from '../support/models.js';
import { makeVideo } from '../support/videos.js';

describe('labelVideo', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(['window', 'stateful'] as const)(
    'leaves tf.memory().numTensors unchanged over a 1,000-frame video (%s mode)',
    async (mode) => {
      const video = await makeVideo({
        source: 'testsrc2',
        width: 32,
        height: 32,
        fps: 50,
        seconds: 20,
        codec: 'h264-mp4',
      });
      const { dir } = await saveSeedModel({ height: 16, width: 16, timeSteps: 4 });
      const model = await loadModel(dir);
      const counters: LabelCounters = emptyCounters();
      const before = tf.memory().numTensors;
      let labels = 0;
      for await (const _label of labelVideo(
        video,
        model,
        { ...DEFAULT_LABEL_OPTIONS, mode },
        { counters },
      )) {
        labels++;
      }
      expect(counters.frames).toBe(1000);
      expect(labels).toBe(997);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );
});
