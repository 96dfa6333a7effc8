"""Write a test ONNX sampling graph: samples[n,s,:] = features[n,:] @ W + b + sigma * noise[n,s,:].

The exact posterior is Gaussian with mean features @ W and standard deviation sigma, so the
TypeScript summaries can be checked against analytic values. Usage: make_linear_gaussian.py OUT F D [b0,b1,...]
(b: a constant per parameter, default 0)
"""
import sys
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

out, F, D = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
W = (np.arange(F * D, dtype=np.float32).reshape(F, D) % 5 - 2) * 0.5
sigma = np.linspace(0.1, 0.5, D).astype(np.float32)
b = np.array([float(v) for v in sys.argv[4].split(',')] if len(sys.argv) > 4 else [0.0] * D, dtype=np.float32)
assert b.shape == (D,), f'expected {D} constants, got {len(b)}'
nodes = [
    helper.make_node('MatMul', ['features', 'W'], ['mu0']),
    helper.make_node('Add', ['mu0', 'b'], ['mu']),
    helper.make_node('Unsqueeze', ['mu', 'axis1'], ['mu3']),
    helper.make_node('Mul', ['noise', 'sigma'], ['scaled']),
    helper.make_node('Add', ['scaled', 'mu3'], ['samples']),
]
graph = helper.make_graph(
    nodes, 'linear_gaussian',
    [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', F]),
     helper.make_tensor_value_info('noise', TensorProto.FLOAT, ['N', 'S', D])],
    [helper.make_tensor_value_info('samples', TensorProto.FLOAT, ['N', 'S', D])],
    initializer=[numpy_helper.from_array(W, 'W'), numpy_helper.from_array(b, 'b'), numpy_helper.from_array(sigma, 'sigma'),
                 numpy_helper.from_array(np.array([1], dtype=np.int64), 'axis1')])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, out)
