"""Named positions and sizes of the face, shared by the face parts, their weights and morphs.

All values are metres in glTF axes (avatar faces +Z, its left is +X), tuned by looking at
renders (assets/avatar_gen/preview.py). Eye values are for the left eye; the right mirrors x.
"""
from __future__ import annotations

import numpy as np

from .skeleton import EYE_CENTRE_L, HEAD_CENTRE, HEAD_SCALE, JAW_PIVOT_BUILD, head_to_final

HEAD_C = np.array(HEAD_CENTRE)
HEAD_RADII = np.array([0.081, 0.104, 0.090])  # half width, half height (crown), half depth of the skull
HEAD_LOWER_Y = 0.090  # half height from the centre down to the chin (a short, small lower face)

EYE_C = np.array(EYE_CENTRE_L)
EYE_R = 0.0180  # eyeball radius before the stylizing scale below
EYE_SCALE = np.array([1.0, 1.17, 0.62])  # taller, flatter anime eyes
IRIS_ANGLE = np.radians(36.0)  # iris cap half-angle on the unit eyeball
PUPIL_ANGLE = np.radians(15.0)
IRIS_YAW = np.radians(8.0)  # irises turned slightly outward: the skin hides more of the inner eyeball, this centres them
LID_RADIUS_UPPER = 1.08  # lid shells sit this far out (x eyeball radius) so blends never cut the eye
LID_RADIUS_LOWER = 1.06
LID_TOP = np.radians(52.0)  # where the upper lid shell ends (tucked under the skin; keeps the rest look clean)
LID_BOTTOM = np.radians(-56.0)
UPPER_EDGE = np.radians(24.0)  # rest opening, elevation of the upper lid edge at the eye's centre line
LOWER_EDGE = np.radians(-30.0)
CORNER_EDGE = np.radians(-6.0)  # where the lids meet at the corners
CORNER_AZIMUTH = np.radians(58.0)
LID_AZIMUTH = np.radians(68.0)
BLINK_MEET = np.radians(-16.0)  # where the closed lids meet (nearer the lower lid, like a real blink)

MOUTH_Y = 1.4075
MOUTH_HALF_WIDTH = 0.0175
JAW_PIVOT = np.array(JAW_PIVOT_BUILD)
JAW_OPEN_ANGLE = np.radians(13.0)  # jawOpen = 1 rotates the jaw this far (about 2 cm at the lips)
# While the lips are shut each teeth row sits this much further from the lip line than where an open
# mouth shows it, so the slit between the lips looks past them (mouth_seal.py).
TEETH_TUCK = 0.0012

NOSE_TIP = np.array([0.0, 1.4365])
BROW_Y = 1.496

# Where the mouth ends up in the written avatar (after the head scale), for tests and tools.
FINAL_MOUTH_Y = float(head_to_final(np.array([0.0, MOUTH_Y, 0.0]))[1])
FINAL_MOUTH_HALF_WIDTH = MOUTH_HALF_WIDTH * HEAD_SCALE
