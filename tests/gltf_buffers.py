"""Arrays packed into one glTF buffer (a data: URI) with a buffer view and an accessor each, for
tests that write small synthetic .gltf files."""
from __future__ import annotations

import base64

import numpy as np


class GltfBuffers:
    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.views: list[dict] = []
        self.accessors: list[dict] = []

    def add(self, array: np.ndarray, kind: str, component: int, target: int | None = None, **extra) -> int:
        """Append `array` (already of the component type) and return its accessor index.
        kind: SCALAR, VEC2, VEC3, VEC4, MAT4; component: the glTF componentType (5126 float...)."""
        offset = sum(len(c) for c in self._chunks)
        data = np.ascontiguousarray(array).tobytes()
        self._chunks.append(data + b"\0" * (-len(data) % 4))
        view = {"buffer": 0, "byteOffset": offset, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self.views.append(view)
        self.accessors.append({"bufferView": len(self.views) - 1, "componentType": component,
                               "count": len(array), "type": kind, **extra})
        return len(self.accessors) - 1

    def document_fields(self) -> dict:
        """The `buffers`, `bufferViews` and `accessors` entries of the document."""
        blob = b"".join(self._chunks)
        return {"buffers": [{"byteLength": len(blob),
                             "uri": "data:application/octet-stream;base64," + base64.b64encode(blob).decode()}],
                "bufferViews": self.views, "accessors": self.accessors}
