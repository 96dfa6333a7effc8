"""Write a toy pixsed model folder: model.onnx (linear-Gaussian sampler, see make_linear_gaussian.py:
the exact posterior is Gaussian, so tests can check numbers) plus a valid manifest.json.

Usage: make_toy_model.py OUTDIR [--params a,b,...] [--realistic-ranges] BAND [BAND ...]
  --params            parameter names (default log_mstar,log_sfr100; priors ±100 for other names)
  --realistic-ranges  training ranges mag 15–35, mag_err 0–2, flags 0–1, z 0–7.5 (default ±100: nothing is out of support)
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
a = ap.parse_args()
bands, params = a.bands, a.params.split(',')
os.makedirs(a.out, exist_ok=True)
F = 4 * len(bands) + 1
here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(here, 'make_linear_gaussian.py'), os.path.join(a.out, 'model.onnx'), str(F), str(len(params))], check=True)
names = [f'{k}_{b}' for k in ('mag', 'mag_err', 'nondet', 'missing') for b in bands] + ['z']
known = {'log_mstar': ('log10 Msun', 4, 12), 'log_sfr100': ('log10 Msun/yr', -10, 3)}


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
    'features': {
        'transform': 'ab-mag-err-z', 'count': F, 'names': names, 'magZeroPoint': 31.4, 'magErrFactor': 2.5 / math.log(10),
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
