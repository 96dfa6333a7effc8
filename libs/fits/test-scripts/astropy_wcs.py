"""WCS reference values from astropy for the @pixsed/fits SIP / round-trip tests.

usage: astropy_wcs.py HEADER_FILE PIXELS_JSON WORLD_JSON
HEADER_FILE holds FITS cards (a FITS file, or plain 80-char cards separated by newlines).
Prints JSON {"world": all_pix2world(pixels, 0), "pixel": all_world2pix(world, 0, tol 1e-12),
"area_deg2": proj_plane_pixel_area}. Pixel coordinates are 0-based (origin = 0).
"""
import json
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from astropy.wcs.utils import proj_plane_pixel_area

warnings.simplefilter("ignore", FITSFixedWarning)
path, pixels, world = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
try:
    h = fits.getheader(path)
except OSError:
    h = fits.Header.fromtextfile(path)
w = WCS(h)
out = {
    "world": w.all_pix2world(np.array(pixels, dtype=float).reshape(-1, 2), 0).tolist(),
    "pixel": w.all_world2pix(np.array(world, dtype=float).reshape(-1, 2), 0, tolerance=1e-12, maxiter=100).tolist(),
    "area_deg2": float(proj_plane_pixel_area(w.celestial)),
    "has_sip": w.sip is not None,
}
print(json.dumps(out))
