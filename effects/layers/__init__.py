"""Effect layer types. Importing this package registers every built-in type in LAYER_TYPES."""
from effects.layers.base import LAYER_TYPES, Layer, register_layer
from effects.layers import (avatar_head, background, beauty, color, custom_shader, facepaint,  # noqa: F401
                            particles, prop3d, sticker, warp)

__all__ = ["LAYER_TYPES", "Layer", "register_layer"]
