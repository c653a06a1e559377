import type { LoadedModel } from '../model/load-model.js';
import { FrameSource } from '../decode/frame-source.js';

/**
 * Copies of every `step`-th frame of the videos, at the model's input size, up to `max`: a
 * sample of what the model will see, e.g. to calibrate BatchNorm statistics.
 */
export async function sampleFrames(
  videos: readonly string[],
  model: LoadedModel,
  options: { readonly step: number; readonly max: number; readonly fps?: number },
): Promise<Uint8Array[]> {
  const sample: Uint8Array[] = [];
  for (const video of videos) {
    const source = await FrameSource.open({
      input: video,
      width: model.split.width,
      height: model.split.height,
      channels: model.split.channels,
      channelOrder: model.preprocessing.channelOrder,
      ...(options.fps === undefined ? {} : { fps: options.fps }),
    });
    try {
      for await (const frame of source) {
        if (sample.length >= options.max) break;
        if (frame.index % options.step === 0) sample.push(frame.pixels.slice());
      }
    } finally {
      await source.close();
    }
    if (sample.length >= options.max) break;
  }
  return sample;
}
