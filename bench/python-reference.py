"""The straightforward alternative to framewise, as issue #6 describes it: a Python script with
PyTorch and OpenCV that labels a video with the seed's model (99x99 input, N frames per
window, stride 1, LSTM 32), each frame through the CNN once (embeddings cached). `npm run
bench` runs it on the same clips as `framewise label`, in the same rounds, when a Python with
torch and cv2 is found (Debian: apt-get install python3-torch python3-opencv). With
`--model mobilenetv2` it runs torchvision's MobileNetV2 features (224x224) with an LSTM 32
instead, as issue #20 describes (python3-torchvision), and `--torchscript` runs the encoder
TorchScript-traced, frozen and optimized for inference.

The weights are random (seeded): throughput does not depend on them. Like `label --stats`, the
clock starts when the video is opened (the model is built before) and stops after the last
label is written; one JSON object of statistics goes to stderr at the end.

usage: python3 bench/python-reference.py <video> [--window N] [--batch B] [--threads T]
                                         [--interpolation area|linear]
                                         [--model seed|mobilenetv2] [--torchscript]
                                         [--seconds S]
"""

import argparse
import json
import sys
import time
from collections import deque

import cv2
import numpy as np
import torch
from torch import nn

SIDES = {"seed": 99, "mobilenetv2": 224}
INTERPOLATIONS = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR}


class SeedModel(nn.Module):
    """framewise's seed model: Conv 6@3x3/2 relu, BatchNorm, Conv 64@1x1 relu, BatchNorm,
    global average pooling, then LSTM 32 and a softmax over 2 classes."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 6, 3, stride=2),
            nn.ReLU(),
            nn.BatchNorm2d(6),
            nn.Conv2d(6, 64, 1),
            nn.ReLU(),
            nn.BatchNorm2d(64),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.lstm = nn.LSTM(64, 32, batch_first=True)
        self.dense = nn.Linear(32, 2)

    def head(self, windows: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(windows)
        return torch.softmax(self.dense(out[:, -1]), dim=1)


class MobileNetV2Model(nn.Module):
    """torchvision's MobileNetV2 features (alpha 1.0) and global average pooling, then LSTM 32
    and a softmax over 2 classes: the backbone model of issue #20."""

    def __init__(self) -> None:
        super().__init__()
        from torchvision.models import mobilenet_v2  # pylint: disable=import-outside-toplevel

        self.encoder = nn.Sequential(
            mobilenet_v2(weights=None).features, nn.AdaptiveAvgPool2d(1), nn.Flatten()
        )
        self.lstm = nn.LSTM(1280, 32, batch_first=True)
        self.dense = nn.Linear(32, 2)

    def head(self, windows: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(windows)
        return torch.softmax(self.dense(out[:, -1]), dim=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video")
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--interpolation",
        choices=sorted(INTERPOLATIONS),
        default="area",
        help="cv2.resize's: area averages (what framewise's ffmpeg does); linear aliases",
    )
    parser.add_argument("--model", choices=sorted(SIDES), default="seed")
    parser.add_argument(
        "--torchscript",
        action="store_true",
        help="trace the encoder, freeze it and optimize it for inference",
    )
    parser.add_argument("--seconds", type=float, help="label only the first S seconds")
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    model = (SeedModel() if args.model == "seed" else MobileNetV2Model()).eval()
    side = SIDES[args.model]
    if args.torchscript:
        example = torch.rand(args.batch, 3, side, side)
        with torch.inference_mode():
            traced = torch.jit.trace(model.encoder, example)
        model.encoder = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    out = sys.stdout

    started = time.perf_counter()
    capture = cv2.VideoCapture(args.video)
    if not capture.isOpened():
        print(f"cannot open {args.video}", file=sys.stderr)
        return 2
    recent: deque = deque(maxlen=args.window)  # the cache: the last N frames' embeddings
    frames = windows = 0
    batch: list = []
    times: list = []

    def flush() -> None:
        nonlocal windows
        pixels = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2).float().div_(255)
        with torch.inference_mode():
            embeddings = model.encoder(pixels)
            ends, stacks = [], []
            for i, embedding in enumerate(embeddings):
                recent.append(embedding)
                if len(recent) == args.window:
                    ends.append(frames - len(batch) + i)
                    stacks.append(torch.stack(tuple(recent)))
            if not stacks:
                return
            probabilities = model.head(torch.stack(stacks)).numpy()
        first = frames - len(batch)
        for end, scores in zip(ends, probabilities):
            label = int(scores.argmax())
            record = {
                "frame": end,
                "start": end - args.window + 1,
                "t": round(times[end - first], 6),
                "label": label,
                "score": float(scores[label]),
                "scores": [float(s) for s in scores],
            }
            out.write(json.dumps(record) + "\n")
        windows += len(stacks)

    while True:
        ok, image = capture.read()
        if not ok:
            break
        t = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
        if args.seconds is not None and t >= args.seconds:
            break
        small = cv2.resize(image, (side, side), interpolation=INTERPOLATIONS[args.interpolation])
        batch.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        times.append(t)
        frames += 1
        if len(batch) == args.batch:
            flush()
            batch, times = [], []
    if batch:
        flush()
    capture.release()
    out.flush()
    seconds = time.perf_counter() - started
    stats = {
        "frames": frames,
        "windows": windows,
        "seconds": round(seconds, 3),
        "fps": round(frames / seconds, 3),
        "torch": torch.__version__,
        "opencv": cv2.__version__,
        "threads": torch.get_num_threads(),
    }
    print(json.dumps(stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
