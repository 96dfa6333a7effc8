"""Write a toy pixsed model folder: model.onnx (linear-Gaussian sampler, see make_linear_gaussian.py:
the exact posterior is Gaussian, so tests can check numbers) plus a valid manifest.json.

Usage: make_toy_model.py OUTDIR [--params a,b,...] [--realistic-ranges] BAND [BAND ...]
  --params            parameter names (default log_mstar,log_sfr100; priors ±100 for other names)
  --realistic-ranges  training ranges mag 15–35, mag_err 0–2, flags 0–1, z 0–7.5 (default ±100: nothing is out of support)
  --ppc C0,C1,...     also a PPC emulator (emulator.onnx, manifest `ppc`): AB mag_b = C_b + K theta_0 (K = --ppc-slope,
                      default -2.5: flux proportional to 10^theta_0) and ln sigma_mag = ln 0.01 in every band; one C per band
  --ppc-threshold P   the manifest's ppc.pValueThreshold (default: none, uncalibrated)
  --photoz            a photo-z model: redshift.role 'parameter', transform 'ab-mag-err' (4B features, no z); --params
                      must include z (prior 0-7.5)
  --bias B0,B1,...    a constant added to each parameter's mean (samples = features·W + b + σ·noise; default 0)
"""
import argparse
import hashlib
import json
import math
import os
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('bands', nargs='+')
ap.add_argument('--params', default='log_mstar,log_sfr100')
ap.add_argument('--realistic-ranges', action='store_true')
ap.add_argument('--ppc')
ap.add_argument('--ppc-threshold', type=float)
ap.add_argument('--ppc-slope', type=float, default=-2.5)
ap.add_argument('--photoz', action='store_true')
ap.add_argument('--bias')
a = ap.parse_args()
bands, params = a.bands, a.params.split(',')
if a.photoz and 'z' not in params:
    sys.exit('--photoz: --params must include z')
os.makedirs(a.out, exist_ok=True)
F = 4 * len(bands) + (0 if a.photoz else 1)
here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(here, 'make_linear_gaussian.py'), os.path.join(a.out, 'model.onnx'), str(F), str(len(params))] + ([a.bias] if a.bias else []), check=True)
names = [f'{k}_{b}' for k in ('mag', 'mag_err', 'nondet', 'missing') for b in bands] + ([] if a.photoz else ['z'])
known = {'log_mstar': ('log10 Msun', 4, 12), 'log_sfr100': ('log10 Msun/yr', -10, 3), 'z': ('', 0, 7.5)}


def rng(n):
    if not a.realistic_ranges:
        return (-100.0, 100.0)
    if n == 'z':
        return (0.0, 7.5)
    if n.startswith('mag_err'):
        return (0.0, 2.0)
    if n.startswith('mag'):
        return (15.0, 35.0)
    return (0.0, 1.0)


manifest = {
    'name': 'toy', 'version': '0.0.1', 'survey': 'toy', 'model': 'model.onnx', 'bands': bands,
    'modelSha256': hashlib.sha256(open(os.path.join(a.out, 'model.onnx'), 'rb').read()).hexdigest(),
    **({'redshift': {'role': 'parameter'}} if a.photoz else {}),
    'features': {
        'transform': 'ab-mag-err' if a.photoz else 'ab-mag-err-z', 'count': F, 'names': names, 'magZeroPoint': 31.4, 'magErrFactor': 2.5 / math.log(10),
        'nonDetection': {'snrMin': 1, 'magErr': 2.5 / math.log(10)},
        'missingBand': {'fillMag': [30.0] * len(bands), 'fillMagErr': [1.0] * len(bands)},
        'clip': {'mag': [10, 40]},
    },
    'parameters': [
        {'name': p, 'unit': known.get(p, ('arb',))[0], 'priorMin': known.get(p, (0, -100))[1], 'priorMax': known.get(p, (0, 0, 100))[2]}
        for p in params
    ],
    'trainingRanges': {'features': {'names': names, 'min': [rng(n)[0] for n in names], 'max': [rng(n)[1] for n in names]}},
    'sampler': {'inputNames': ['features', 'noise'], 'outputName': 'samples', 'noiseDim': len(params)},
}
with open(os.path.join(a.out, 'manifest.json'), 'w') as f:
    json.dump(manifest, f, indent=1)


def toy_emulator(path, n_params, consts, slope):
    """ONNX (parameters [M, D], z [M]) -> [M, 2B]: [C_b + slope theta_0 ..., ln 0.01 ...] (+ 0 * z so z is an input used)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    B = len(consts)
    inits = [numpy_helper.from_array(np.array([0], dtype=np.int64), 'idx0'), numpy_helper.from_array(np.array([1], dtype=np.int64), 'ax1'),
             numpy_helper.from_array(np.full((1, B), slope, dtype=np.float32), 'm25'), numpy_helper.from_array(np.array([consts], dtype=np.float32), 'c'),
             numpy_helper.from_array(np.full((1, B), math.log(0.01), dtype=np.float32), 'lsig'), numpy_helper.from_array(np.zeros((1, 1), dtype=np.float32), 'zero')]
    nodes = [helper.make_node('Gather', ['parameters', 'idx0'], ['t0'], axis=1),  # [M, 1]
             helper.make_node('Mul', ['t0', 'm25'], ['a']), helper.make_node('Add', ['a', 'c'], ['mag']),  # [M, B]
             helper.make_node('Unsqueeze', ['z', 'ax1'], ['z1']), helper.make_node('Mul', ['z1', 'zero'], ['z0']),  # [M, 1] zeros
             helper.make_node('Add', ['z0', 'lsig'], ['ls']), helper.make_node('Add', ['mag', 'z0'], ['mag0']),
             helper.make_node('Concat', ['mag0', 'ls'], ['photometry'], axis=1)]
    g = helper.make_graph(nodes, 'toy-emulator', [helper.make_tensor_value_info('parameters', TensorProto.FLOAT, ['M', n_params]),
                                                  helper.make_tensor_value_info('z', TensorProto.FLOAT, ['M'])],
                          [helper.make_tensor_value_info('photometry', TensorProto.FLOAT, ['M', 2 * B])], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


if a.ppc:
    consts = [float(v) for v in a.ppc.split(',')]
    if len(consts) != len(bands):
        sys.exit(f'--ppc: {len(consts)} constants for {len(bands)} bands')
    epath = os.path.join(a.out, 'emulator.onnx')
    toy_emulator(epath, len(params), consts, a.ppc_slope)
    manifest['ppc'] = {'emulator': 'emulator.onnx', 'emulatorSha256': hashlib.sha256(open(epath, 'rb').read()).hexdigest(),
                       'inputNames': ['parameters', 'z'], 'outputName': 'photometry', 'bands': bands}
    if a.ppc_threshold is not None:
        manifest['ppc']['pValueThreshold'] = a.ppc_threshold
    with open(os.path.join(a.out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
