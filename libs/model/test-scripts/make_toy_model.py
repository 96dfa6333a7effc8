"""Write a toy pixsed model folder: model.onnx (linear-Gaussian sampler over log_mstar, log_sfr100)
plus a valid manifest.json for the given bands. The exact posterior is Gaussian (see
make_linear_gaussian.py), so tests can check numbers. Usage: make_toy_model.py OUTDIR BAND [BAND ...]
"""
import json
import math
import os
import subprocess
import sys

out, bands = sys.argv[1], sys.argv[2:]
os.makedirs(out, exist_ok=True)
F = 4 * len(bands) + 1
here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(here, 'make_linear_gaussian.py'), os.path.join(out, 'model.onnx'), str(F), '2'], check=True)
names = [f'{k}_{b}' for k in ('mag', 'mag_err', 'nondet', 'missing') for b in bands] + ['z']
manifest = {
    'name': 'toy', 'version': '0.0.1', 'survey': 'toy', 'model': 'model.onnx', 'bands': bands,
    'features': {
        'transform': 'ab-mag-err-z', 'count': F, 'names': names, 'magZeroPoint': 31.4, 'magErrFactor': 2.5 / math.log(10),
        'nonDetection': {'snrMin': 1, 'magErr': 2.5 / math.log(10)},
        'missingBand': {'fillMag': [30.0] * len(bands), 'fillMagErr': [1.0] * len(bands)},
        'clip': {'mag': [10, 40]},
    },
    'parameters': [
        {'name': 'log_mstar', 'unit': 'log10 Msun', 'priorMin': 4, 'priorMax': 12},
        {'name': 'log_sfr100', 'unit': 'log10 Msun/yr', 'priorMin': -10, 'priorMax': 3},
    ],
    'trainingRanges': {'features': {'names': names, 'min': [-100.0] * F, 'max': [100.0] * F}},
    'sampler': {'inputNames': ['features', 'noise'], 'outputName': 'samples', 'noiseDim': 2},
}
with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump(manifest, f, indent=1)
