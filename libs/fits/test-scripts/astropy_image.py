"""Reference values from astropy for the @pixsed/fits tests.

usage: astropy_image.py FILE HDU OUT_RAW PIXELS_JSON
Writes the HDU's data (astropy scaling applied) as little-endian float64 to OUT_RAW and prints JSON:
shape, stats over finite values (float64), non-finite count, world coords of the 0-based pixels in
PIXELS_JSON ([[x, y], ...]) via WCS.all_pix2world(origin=0), pixel scale and area.
"""
import json
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from astropy.wcs.utils import proj_plane_pixel_area

warnings.simplefilter("ignore", FITSFixedWarning)

path, hdu, out_raw, pixels = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
with fits.open(path) as hl:
    h = hl[hdu].header
    d = np.asarray(hl[hdu].data, dtype=np.float64)
    nhdu = len(hl)
d.astype("<f8").tofile(out_raw)
fin = np.isfinite(d)
v = d[fin]
res = {
    "nhdu": nhdu,
    "shape": list(d.shape),
    "min": float(v.min()) if v.size else None,
    "max": float(v.max()) if v.size else None,
    "mean": float(v.mean()) if v.size else None,
    "std": float(v.std()) if v.size else None,
    "nan": int((~fin).sum()),
}
if "CTYPE1" in h:
    w = WCS(h)
    px = np.array(pixels, dtype=float).reshape(-1, 2)
    world = w.all_pix2world(px, 0)
    res["world"] = world.tolist()
    res["area_deg2"] = float(proj_plane_pixel_area(w.celestial))
    back = w.all_world2pix(world, 0, tolerance=1e-12)
    res["pixel_back"] = back.tolist()
print(json.dumps(res))
