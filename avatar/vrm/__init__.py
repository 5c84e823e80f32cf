"""VRM 0.x / 1.0 on top of the glTF loader: `loader.load_vrm(path) -> VrmModel` (types in `types`)."""
