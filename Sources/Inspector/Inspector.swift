// The Inspector layer: see README.md, "Layers".
