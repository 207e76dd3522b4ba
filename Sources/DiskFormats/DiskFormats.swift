// The DiskFormats layer: see README.md, "Layers".
