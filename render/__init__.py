"""ModernGL rendering: contexts and surfaces, shaders, scenes, skinned and morphed meshes, writers."""
