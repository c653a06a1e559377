#!/usr/bin/python3
"""Writes a Keras model file pair, .keras and .h5, as Keras itself saves them.

Input: a spec JSON and a float32 blob written by scripts/make-keras-files.ts from one of the
converted fixtures of test/fixtures/keras/ (its Keras config and weights, with each weight's
Keras variable path and dtype, and each layer's place in the .keras archive).

Follows Keras at commit 3422977a5e (github.com/keras-team/keras):
- keras/src/saving/saving_lib.py, `_save_model_to_fileobj`: a zip (ZIP_STORED) of
  metadata.json ({"keras_version", "date_saved"}), config.json (serialize_keras_object of the
  model) and model.weights.h5, in that order; `H5IOStore`: every saveable object (the model,
  each layer, a wrapper's layer, an RNN's cell) gets the group "<path>/vars" ("vars" for the
  model), with the attribute "name" (`make(path, metadata={"name": ...})` creates it at once,
  so it exists even when empty), and its variables as the datasets "0", "1", ...; <path> is
  built by `_save_state` (here given by the spec). Keras' own fixture
  keras/src/saving/test_data/pre_pr22362_nested_container.keras has this layout.
- keras/src/legacy/saving/legacy_h5_format.py, `save_model_to_hdf5`: attributes backend,
  keras_version and model_config (JSON, utf-8 bytes) on the root; the group model_weights with
  attributes layer_names, backend, keras_version; per layer, sorted by name, a group with the
  attribute weight_names and one dataset per weight, named by the weight (h5py makes the "/" in
  a name nested groups); the group top_level_model_weights with no weights.
Keras 2.15 (tf.keras) writes .h5 files the same way, its weight names ending in ":0".

Usage: write_keras_files.py <spec.json> <weights.bin> <out.keras or -> <out.h5> [<weights-only.h5>]
"""
import io
import json
import sys
import zipfile

import h5py
import numpy as np

DATE_SAVED = "2024-07-01@12:00:00"


def arrays(spec_weights, blob):
    for weight in spec_weights:
        count = int(np.prod(weight["shape"])) if weight["shape"] else 1
        values = np.frombuffer(blob, dtype="<f4", count=count, offset=weight["offset"] * 4)
        yield weight, values.reshape(weight["shape"]).astype(weight["dtype"], copy=False)


def write_keras(spec, blob, path):
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        for entry in spec["archive"]:
            group = f.require_group(entry["path"]).create_group("vars") if entry["path"] else f.create_group("vars")
            group.attrs["name"] = entry["name"]
            for i, (_, values) in enumerate(arrays(entry["vars"], blob)):
                group.create_dataset(str(i), data=values)
    metadata = {"keras_version": spec["kerasVersion"], "date_saved": DATE_SAVED}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in (
            ("metadata.json", json.dumps(metadata).encode()),
            ("config.json", json.dumps(spec["config"]).encode()),
            ("model.weights.h5", weights.getvalue()),
        ):
            info = zipfile.ZipInfo(name, date_time=(2024, 7, 1, 12, 0, 0))
            zf.writestr(info, data)


def write_h5(spec, blob, path, weights_only=False):
    """`save_model_to_hdf5`; with `weights_only`, `save_weights` (`save_weights_to_hdf5_group`
    on the root: no model_config, the layer groups at the top)."""
    with h5py.File(path, "w") as f:
        if weights_only:
            group = f
        else:
            f.attrs["backend"] = "tensorflow"
            f.attrs["keras_version"] = spec["kerasVersion"]
            f.attrs["model_config"] = json.dumps(spec["legacyConfig"]).encode("utf8")
            group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([n.encode("utf8") for n in spec["layerNames"]])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = spec["kerasVersion"].encode("utf8")
        for layer in sorted(spec["legacy"], key=lambda x: x["layer"]):
            layer_group = group.create_group(layer["layer"])
            layer_group.attrs["weight_names"] = np.array([w["name"].encode("utf8") for w in layer["weights"]])
            for weight, values in arrays(layer["weights"], blob):
                layer_group.create_dataset(weight["name"], data=values)
        top = group.create_group("top_level_model_weights")
        top.attrs["weight_names"] = np.array([], dtype="S1")


def main():
    spec_path, blob_path, keras_path, h5_path = sys.argv[1:5]
    with open(spec_path) as f:
        spec = json.load(f)
    with open(blob_path, "rb") as f:
        blob = f.read()
    if keras_path != "-":
        write_keras(spec, blob, keras_path)
    write_h5(spec, blob, h5_path)
    if len(sys.argv) > 5:
        write_h5(spec, blob, sys.argv[5], weights_only=True)


if __name__ == "__main__":
    main()
