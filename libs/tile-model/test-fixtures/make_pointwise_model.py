#!/usr/bin/python3
"""Writes pointwise/model.onnx: a 1×1 convolution image → maps (C = 6 input channels, 2P = 4 outputs) with the
weights W[o, c] = ((o + 1) * (c + 2) % 7 - 3) / 10 and bias b[o] = o / 10 - 0.5. Every output pixel depends on its
own input pixel only, so tiling and blending must reproduce W·x + b exactly; the tests compute it independently.
Run: /usr/bin/python3 libs/tile-model/test-fixtures/make_pointwise_model.py (needs python3-onnx)."""
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

C, O = 6, 4
w = np.array([[((o + 1) * (c + 2) % 7 - 3) / 10 for c in range(C)] for o in range(O)], dtype=np.float32).reshape(O, C, 1, 1)
b = np.array([o / 10 - 0.5 for o in range(O)], dtype=np.float32)
node = helper.make_node("Conv", ["image", "W", "B"], ["maps"], kernel_shape=[1, 1])
graph = helper.make_graph(
    [node], "pointwise",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", C, 16, 16])],
    [helper.make_tensor_value_info("maps", TensorProto.FLOAT, ["n", O, 16, 16])],
    [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pixsed-test")
model.ir_version = 8
onnx.checker.check_model(model)
out = Path(__file__).resolve().parent / "pointwise" / "model.onnx"
out.write_bytes(model.SerializeToString())
print(out, out.stat().st_size)
