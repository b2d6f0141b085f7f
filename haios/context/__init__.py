"""ContextLoader: session bootstrap, numbering and checkpoints (see `ContextLoaderAPI`)."""
