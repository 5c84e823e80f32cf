"""glTF 2.0 / VRM avatars: loading, skeleton, expressions, look-at, spring bones, retargeting."""
