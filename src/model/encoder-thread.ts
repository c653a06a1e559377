/**
 * Entry point of an {@link EncoderPool} worker thread: loads the model on its own TensorFlow.js
 * instance and encodes the batches the pool sends, returning the embeddings as transferables.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useBackend } from './run/backend.js';
import type { EncoderThreadData, EncodeReply, EncodeRequest } from './run/encoder-messages.js';
import { loadModel } from './load-model.js';
import { warmUp } from './warm-up.js';

const port = parentPort!;
const { location, backend, fold, warmUpFrames } = workerData as EncoderThreadData;
try {
  await useBackend(backend);
  const model = await loadModel(location, { fold });
  await warmUp(model, { frames: warmUpFrames, windows: 0, steps: model.defaultWindow });
  const { height, width, channels } = model.split;
  const frameLength = height * width * channels;
  port.on('message', ({ id, pixels, frames }: EncodeRequest) => {
    let reply: EncodeReply;
    try {
      const views = Array.from(
        { length: frames },
        (_, i) => new Uint8Array(pixels, i * frameLength, frameLength),
      );
      // A fresh copy of the result: its buffer can be handed over without a second copy.
      const embeddings = model.encoder.encode(views).slice();
      reply = { id, embeddings };
      port.postMessage(reply, [embeddings.buffer]);
    } catch (error) {
      reply = { id, error: error instanceof Error ? error.message : String(error) };
      port.postMessage(reply);
    }
  });
  port.postMessage({ ready: true, embeddingSize: model.encoder.embeddingSize });
} catch (error) {
  port.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) });
}
