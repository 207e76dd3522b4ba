// The CursesUI layer: see README.md, "Layers".
