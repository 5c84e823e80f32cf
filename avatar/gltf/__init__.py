"""glTF 2.0 (.gltf / .glb) loading into plain arrays: see `document` for the types, `loader` for
`load_gltf`, `animation` for sampling clips, `pose` for node and joint matrices."""
