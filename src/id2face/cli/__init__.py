"""Command-line interface: `id2face <subcommand>`."""
