"""Reading and writing photos and videos safely (errors per file, atomic writes, no metadata)."""
