"""3D props follow the head pose on video, and the head occluder hides what is behind the head."""
from __future__ import annotations

import numpy as np
import pytest
import trimesh

from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources.video import VideoSource
from effects.canonical import project_points
from effects.landmarks import FaceLandmark, face_frame, head_angles_deg
from effects.stack import EffectStack
from tests.effects.helpers import package

PROP_LIMIT = 0.02  # re-projected prop centre vs drawn centre, in face widths
NOSE_OFFSET_CM = (0.0, -1.1, 8.5)  # 1 cm in front of the canonical nose tip (0, -1.1, 7.5)


def ball_glb(path, color):
    ball = trimesh.creation.icosphere(subdivisions=3, radius=0.012)  # 1.2 cm
    ball.visual = trimesh.visual.ColorVisuals(ball, vertex_colors=np.tile([*color, 255], (len(ball.vertices), 1)))
    path.parent.mkdir(parents=True, exist_ok=True)
    ball.export(path)


@pytest.fixture(scope="module")
def video_frames(test_data, model_dir):
    """Every 8th frame of a head-turning clip (yaw range ~30 deg) with its tracking (IMAGE mode per frame)."""
    out = []
    with VideoSource(test_data / "video/talking_head_man_d12.mp4") as src, \
            TrackingPipeline(PipelineOptions(still_images=True)) as pipeline:
        for frame in src:
            if frame.index % 8 == 0:
                tracking = pipeline.process(frame)
                if tracking.face is not None:
                    out.append((frame.image, tracking))
            if len(out) >= 26:
                break
    return out


def blob_centre(out, image, color):
    diff = np.abs(out[..., :3].astype(int) - image.astype(int)).max(axis=2) > 20
    hue = np.argmax(color)
    dominant = out[..., hue].astype(int) - np.delete(out[..., :3], hue, axis=2).max(axis=2) > 60
    ys, xs = np.nonzero(diff & dominant)
    return (np.array([xs.mean() + 0.5, ys.mean() + 0.5]), len(xs)) if len(xs) else (None, 0)


def test_prop_stays_attached_as_the_head_turns(rc, video_frames, tmp_path):
    ball_glb(tmp_path / "p" / "ball.glb", (255, 0, 0))
    pkg = package(tmp_path / "p", [{"type": "prop3d", "model": "ball.glb", "offset_cm": list(NOSE_OFFSET_CM),
                                    "occluder": False}])
    yaws = []
    h, w = video_frames[0][0].shape[:2]
    with EffectStack(rc, pkg, (w, h)) as stack:
        for image, tracking in video_frames:
            out = stack.render(image, tracking).image
            centre, count = blob_centre(out, image, (255, 0, 0))
            assert count > 20
            face = tracking.face
            expected = project_points(np.array([NOSE_OFFSET_CM]), face.head_matrix, w, h)[0] * (w, h)
            ff = face_frame(face, (w, h))
            err = np.linalg.norm(centre - expected) / ff.width
            assert err < PROP_LIMIT, f"prop drawn {err:.2%} of face width from its re-projection"
            # And it is on the nose: within the rigid pose fit's error of the tracked nose tip
            # (expressions move the fit by up to ~13% of face width on the shared clips).
            assert np.linalg.norm(centre - ff.points[FaceLandmark.NOSE_TIP]) / ff.width < 0.2
            yaws.append(head_angles_deg(face.head_matrix)[1])
    assert np.ptp(yaws) > 10, f"the clip should turn the head (yaw range {np.ptp(yaws):.1f} deg)"


def test_head_occluder_hides_a_prop_behind_the_head(rc, tracked_portraits, tmp_path):
    ball_glb(tmp_path / "p" / "ball.glb", (0, 0, 255))
    behind = {"type": "prop3d", "model": "ball.glb", "offset_cm": [0.0, 1.0, -6.0], "scale": 2.0}
    image, tracking = tracked_portraits["obama.jpg"]
    size = (image.shape[1], image.shape[0])
    for occluder, visible in ((False, True), (True, False)):
        folder = tmp_path / "p"
        pkg = package(folder, [dict(behind, occluder=occluder)])
        with EffectStack(rc, pkg, size) as stack:
            out = stack.render(image, tracking).image
        _centre, count = blob_centre(out, image, (0, 0, 255))
        assert (count > 50) == visible, f"occluder={occluder}: {count} prop pixels visible"
