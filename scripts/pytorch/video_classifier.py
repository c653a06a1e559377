"""A CNN+LSTM video classifier in PyTorch, exported as a framewise ONNX model directory.

The recipe docs/models.md gives, as a script: a per-frame encoder (frames -> one embedding per
frame) and a recurrent head (a window of embeddings -> class probabilities, with its LSTM state
as extra inputs and outputs for stateful mode), each written with torch.onnx.export, and a
framewise.json that says how pixels become the encoder's input. The weights are seeded (and
the BatchNorm statistics made non-trivial), so the tests can recompute PyTorch's own outputs.

usage:
  python3 scripts/pytorch/video_classifier.py export <dir> [--stateless]
      --stateless exports the head without its state inputs and outputs: window mode only
  python3 scripts/pytorch/video_classifier.py reference <frames.raw> <frames> <window>
      prints PyTorch's window-mode and stateful-mode probabilities for the frames (raw RGB
      bytes, frames x SIDE x SIDE x 3) as JSON: {"windows": [[...], ...], "stateful": [[...], ...]}
"""

import json
import os
import sys

import numpy as np
import torch
from torch import nn

SIDE = 48
CHANNELS = 3
EMBEDDING = 16
UNITS = 8
CLASSES = 2
WINDOW = 4
# ImageNet's mean and standard deviation after scaling pixels to 0..1 ("torch" preprocessing).
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


class Encoder(nn.Module):
    """Frames [n, 3, SIDE, SIDE], preprocessed, to embeddings [n, EMBEDDING]."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(CHANNELS, 8, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU6(),
            nn.Conv2d(8, EMBEDDING, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(EMBEDDING),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.layers(frames)


class Head(nn.Module):
    """Embeddings [b, T, EMBEDDING] and the LSTM's state [b, UNITS] twice, to the last step's
    class probabilities [b, CLASSES] and the state after it."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(EMBEDDING, UNITS, batch_first=True)
        self.dense = nn.Linear(UNITS, CLASSES)

    def forward(self, embeddings, state_in_0, state_in_1):
        out, (h, c) = self.lstm(embeddings, (state_in_0.unsqueeze(0), state_in_1.unsqueeze(0)))
        probabilities = torch.softmax(self.dense(out[:, -1]), dim=1)
        return probabilities, h.squeeze(0), c.squeeze(0)


class StatelessHead(nn.Module):
    """The head without state inputs and outputs: each window starts from zeros."""

    def __init__(self, head: Head) -> None:
        super().__init__()
        self.head = head

    def forward(self, embeddings):
        zeros = torch.zeros(embeddings.shape[0], UNITS)
        return self.head(embeddings, zeros, zeros)[0]


def build() -> tuple:
    torch.manual_seed(7)
    encoder, head = Encoder().eval(), Head().eval()
    for module in encoder.modules():
        if isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.rand(n) * 0.2)
            module.running_var.copy_(torch.rand(n) * 0.5 + 0.5)
            module.weight.data.copy_(torch.rand(n) + 0.5)
            module.bias.data.copy_(torch.rand(n) - 0.5)
    # Larger recurrent and output weights than PyTorch's defaults: scores that move with the
    # frames, so that a comparison within 1e-4 tells frames apart.
    with torch.no_grad():
        for parameter in head.parameters():
            parameter.mul_(4)
    return encoder, head


def export(directory: str, stateless: bool = False) -> None:
    encoder, head = build()
    os.makedirs(directory, exist_ok=True)
    with torch.inference_mode():
        torch.onnx.export(
            encoder,
            torch.rand(2, CHANNELS, SIDE, SIDE),
            os.path.join(directory, "encoder.onnx"),
            input_names=["frames"],
            output_names=["embeddings"],
            dynamic_axes={"frames": {0: "n"}, "embeddings": {0: "n"}},
            opset_version=17,
        )
        zeros = torch.zeros(2, UNITS)
        if stateless:
            torch.onnx.export(
                StatelessHead(head),
                (torch.rand(2, WINDOW, EMBEDDING),),
                os.path.join(directory, "head.onnx"),
                input_names=["embeddings"],
                output_names=["probabilities"],
                dynamic_axes={"embeddings": {0: "b", 1: "t"}, "probabilities": {0: "b"}},
                opset_version=17,
            )
        else:
            torch.onnx.export(
                head,
                (torch.rand(2, WINDOW, EMBEDDING), zeros, zeros),
                os.path.join(directory, "head.onnx"),
                input_names=["embeddings", "state_in_0", "state_in_1"],
                output_names=["probabilities", "state_out_0", "state_out_1"],
                dynamic_axes={
                    "embeddings": {0: "b", 1: "t"},
                    "state_in_0": {0: "b"},
                    "state_in_1": {0: "b"},
                    "probabilities": {0: "b"},
                    "state_out_0": {0: "b"},
                    "state_out_1": {0: "b"},
                },
                opset_version=17,
            )
    config = {
        "format": "onnx",
        "encoder": "encoder.onnx",
        "head": "head.onnx",
        "input": {
            "layout": "nchw",
            "height": SIDE,
            "width": SIDE,
            "channels": CHANNELS,
            "channelOrder": "rgb",
            "scale": 1 / 255,
            "mean": MEAN,
            "std": STD,
        },
        "window": WINDOW,
        "classNames": ["still", "moving"],
    }
    with open(os.path.join(directory, "framewise.json"), "w", encoding="utf8") as file:
        json.dump(config, file, indent=2)


def reference(path: str, count: int, window: int) -> None:
    encoder, head = build()
    pixels = np.fromfile(path, dtype=np.uint8).reshape(count, SIDE, SIDE, CHANNELS)
    frames = torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255
    frames = (frames - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    with torch.inference_mode():
        embeddings = encoder(frames)
        zeros = torch.zeros(1, UNITS)
        windows = [
            head(embeddings[end - window + 1 : end + 1].unsqueeze(0), zeros, zeros)[0][0].tolist()
            for end in range(window - 1, count)
        ]
        stateful = [
            head(embeddings[: end + 1].unsqueeze(0), zeros, zeros)[0][0].tolist()
            for end in range(window - 1, count)
        ]
    json.dump({"windows": windows, "stateful": stateful}, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:2] == ["export"] and len(sys.argv) in (3, 4):
        if len(sys.argv) == 4 and sys.argv[3] != "--stateless":
            print(__doc__, file=sys.stderr)
            sys.exit(2)
        export(sys.argv[2], stateless=len(sys.argv) == 4)
    elif sys.argv[1:2] == ["reference"] and len(sys.argv) == 5:
        reference(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
